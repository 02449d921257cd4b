"""Nested containers as trees of leaves (``torch.utils._pytree``): flatten to leaves + spec, unflatten, map.

Lists, tuples, dicts, namedtuples, OrderedDicts, defaultdicts and deques are nodes; anything else (None included) is a
leaf. More node types are added with `register_pytree_node`.
"""
from __future__ import annotations

import collections
from typing import Any, Callable, NamedTuple

__all__ = ["TreeSpec", "LeafSpec", "register_pytree_node", "tree_flatten", "tree_unflatten", "tree_leaves",
           "tree_structure", "tree_map", "tree_map_", "tree_map_only", "tree_all", "tree_any", "tree_iter",
           "tree_is_leaf", "treespec_leaf"]


class NodeDef(NamedTuple):
    type: type
    flatten_fn: Callable
    unflatten_fn: Callable


SUPPORTED_NODES: dict[type, NodeDef] = {}


def register_pytree_node(cls: type, flatten_fn: Callable, unflatten_fn: Callable, *, serialized_type_name=None,
                         to_dumpable_context=None, from_dumpable_context=None, flatten_with_keys_fn=None) -> None:
    """Make `cls` a node: ``flatten_fn(x) -> (children, context)``, ``unflatten_fn(children, context) -> x``."""
    if cls in SUPPORTED_NODES:
        raise ValueError(f"{cls} is already registered as pytree node.")
    SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn)


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


register_pytree_node(tuple, lambda t: (list(t), None), lambda v, c: tuple(v))
register_pytree_node(list, lambda t: (list(t), None), lambda v, c: list(v))
register_pytree_node(dict, lambda d: (list(d.values()), list(d.keys())), lambda v, c: dict(zip(c, v)))
register_pytree_node(collections.OrderedDict, lambda d: (list(d.values()), list(d.keys())),
                     lambda v, c: collections.OrderedDict(zip(c, v)))
register_pytree_node(collections.defaultdict, lambda d: (list(d.values()), [d.default_factory, list(d.keys())]),
                     lambda v, c: collections.defaultdict(c[0], zip(c[1], v)))
register_pytree_node(collections.deque, lambda d: (list(d), d.maxlen),
                     lambda v, c: collections.deque(v, maxlen=c))
_NAMEDTUPLE = NodeDef(collections.namedtuple, lambda t: (list(t), type(t)), lambda v, c: c(*v))


def _node_type(tree) -> type | None:
    if _is_namedtuple(tree):
        return collections.namedtuple
    t = type(tree)
    return t if t in SUPPORTED_NODES else None


def _node_def(node_type) -> NodeDef:
    return _NAMEDTUPLE if node_type is collections.namedtuple else SUPPORTED_NODES[node_type]


def tree_is_leaf(tree, is_leaf: Callable | None = None) -> bool:
    """Whether `tree` is a leaf (not a registered container, or picked out by `is_leaf`)."""
    return (is_leaf is not None and is_leaf(tree)) or _node_type(tree) is None


class TreeSpec:
    """The shape of a tree without its leaves: node type, its context and the children's specs."""

    def __init__(self, type, context, children_specs: list) -> None:
        self.type, self.context, self.children_specs = type, context, list(children_specs)
        self.num_leaves = sum(c.num_leaves for c in self.children_specs)
        self.num_nodes = 1 + sum(c.num_nodes for c in self.children_specs)
        self.num_children = len(self.children_specs)

    def is_leaf(self) -> bool:
        return self.type is None

    def unflatten(self, leaves) -> Any:
        return tree_unflatten(leaves, self)

    def _build(self, it) -> Any:
        if self.is_leaf():
            return next(it)
        children = [c._build(it) for c in self.children_specs]
        return _node_def(self.type).unflatten_fn(children, self.context)

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeSpec) and (self.type, self.context, self.children_specs) ==
                (other.type, other.context, other.children_specs))

    __hash__ = None

    def __repr__(self, indent: int = 0) -> str:
        if self.is_leaf():
            return "*"
        name = "namedtuple" if self.type is collections.namedtuple else self.type.__name__
        ctx = self.context.__name__ if isinstance(self.context, type) else self.context
        kids = ", ".join(c.__repr__(indent + 2) for c in self.children_specs)
        return f"TreeSpec({name}, {ctx}, [{kids}])"


class LeafSpec(TreeSpec):
    """The spec of a single leaf (printed ``*``)."""

    def __init__(self) -> None:
        super().__init__(None, None, [])
        self.num_leaves, self.num_nodes = 1, 1


def treespec_leaf() -> LeafSpec:
    return LeafSpec()


def _flatten(tree, leaves: list, is_leaf) -> TreeSpec:
    if tree_is_leaf(tree, is_leaf):
        leaves.append(tree)
        return LeafSpec()
    node_type = _node_type(tree)
    children, context = _node_def(node_type).flatten_fn(tree)
    return TreeSpec(node_type, context, [_flatten(c, leaves, is_leaf) for c in children])


def tree_flatten(tree, is_leaf: Callable | None = None) -> tuple[list, TreeSpec]:
    """(the leaves in depth-first order, the spec that `tree_unflatten` rebuilds the tree from)."""
    leaves: list = []
    spec = _flatten(tree, leaves, is_leaf)
    return leaves, spec


def tree_unflatten(leaves, treespec: TreeSpec) -> Any:
    """The tree of `treespec`'s shape holding `leaves` (exactly `treespec.num_leaves` of them)."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f"tree_unflatten(leaves, treespec): Expected `treespec` to be instance of TreeSpec but got "
                        f"item of type {type(treespec)}.")
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers to a "
                         f"pytree that holds {treespec.num_leaves} items ({treespec}).")
    return treespec._build(iter(leaves))


def tree_leaves(tree, is_leaf: Callable | None = None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_iter(tree, is_leaf: Callable | None = None):
    return iter(tree_leaves(tree, is_leaf))


def tree_structure(tree, is_leaf: Callable | None = None) -> TreeSpec:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func: Callable, tree, *rests, is_leaf: Callable | None = None) -> Any:
    """A tree of `tree`'s shape holding ``func(leaf, *matching leaves of rests)``."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [_flatten_up_to(spec, r) for r in rests]
    return tree_unflatten([func(*xs) for xs in zip(leaves, *others)], spec)


def _flatten_up_to(spec: TreeSpec, tree) -> list:
    """The subtrees of `tree` sitting where `spec` has leaves (tree must have spec's shape above them)."""
    if spec.is_leaf():
        return [tree]
    if _node_type(tree) != spec.type:
        raise ValueError(f"Node type mismatch; expected {spec.type}, but got {type(tree)}.")
    children, context = _node_def(spec.type).flatten_fn(tree)
    if len(children) != spec.num_children or (spec.type in (dict, collections.OrderedDict) and
                                               set(context) != set(spec.context)):
        raise ValueError(f"Node arity or keys mismatch; expected {spec}, but got {type(tree)} of "
                         f"{len(children)} children.")
    if spec.type in (dict, collections.OrderedDict):
        children = [tree[k] for k in spec.context]
    return [x for c, s in zip(children, spec.children_specs) for x in _flatten_up_to(s, c)]


def tree_map_(func: Callable, tree, *rests, is_leaf: Callable | None = None) -> Any:
    """Call ``func`` on every leaf (for its side effects) and return `tree` itself."""
    leaves, spec = tree_flatten(tree, is_leaf)
    for xs in zip(leaves, *[_flatten_up_to(spec, r) for r in rests]):
        func(*xs)
    return tree


def tree_map_only(type_or_types, func: Callable, tree, is_leaf: Callable | None = None) -> Any:
    """`tree_map` applying `func` only to leaves of the given type(s); other leaves are kept."""
    return tree_map(lambda x: func(x) if isinstance(x, type_or_types) else x, tree, is_leaf=is_leaf)


def tree_all(pred: Callable, tree, is_leaf: Callable | None = None) -> bool:
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(pred: Callable, tree, is_leaf: Callable | None = None) -> bool:
    return any(map(pred, tree_leaves(tree, is_leaf)))
