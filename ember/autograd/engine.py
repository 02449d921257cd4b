"""The backward engine: iterative topological sort, gradient accumulation, hooks, grad capture."""
from __future__ import annotations

from . import graph
from .grad_mode import GRAD_ENABLED

from .graph import Node


class _Select(Node):
    """grad_fn of output `idx` of a multi-output custom Function; routes its gradient to the parent's slot."""

    def __init__(self, parent, idx):
        self.next = (parent,)
        self.idx = idx

    def name(self):
        return self.next[0].name()


def _topo(roots):
    """Nodes reachable from `roots`, consumers before producers (reverse DFS post-order, no recursion).

    The stack holds nodes to expand and, as 1-tuples, nodes whose inputs are all done (nodes hash by identity).
    """
    order, seen = [], set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if type(node) is tuple:
            order.append(node[0])
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node,))
        for e in node.next:
            if isinstance(e, Node) and e not in seen:
                stack.append(e)
    order.reverse()
    return order


def _add(a, b):
    return b if a is None else (a if b is None else a + b)


def run_backward(pairs, retain_graph: bool, create_graph: bool, capture=None):
    """Propagate gradients from (target, grad) pairs, target a Node or a leaf tensor.

    With `capture` (a set of ids of leaves/nodes) the gradients reaching those targets are returned as {id: grad}
    instead of being accumulated into `.grad`, and only the part of the graph leading to them runs.
    """
    prev = GRAD_ENABLED[0]
    GRAD_ENABLED[0] = create_graph
    try:
        return _run(pairs, retain_graph, create_graph, capture)
    finally:
        GRAD_ENABLED[0] = prev


def _run(pairs, retain_graph, create_graph, capture):
    bufs: dict = {}
    leaves: dict = {}
    roots = []
    for target, g in pairs:  # bufs is keyed by the node itself (nodes hash by identity)
        if isinstance(target, Node):
            cur = bufs.get(target)
            bufs[target] = g if cur is None else cur + g
            roots.append(target)
        else:
            leaves[id(target)] = [target, _add(leaves.get(id(target), [None, None])[1], g)]
    order = _topo(roots)
    needed = None
    if capture is not None:
        needed = set()
        for n in reversed(order):
            if id(n) in capture or any(id(e) in needed or id(e) in capture for e in n.next if e is not None):
                needed.add(id(n))
    captured = {}
    for node in order:
        g = bufs.pop(node, None)
        if g is None:
            continue
        d = node.__dict__
        if "pre_hooks" in d:
            for fn in list(d["pre_hooks"].values()):
                r = fn(g)
                if r is not None:
                    g = r
        if capture is not None:
            if id(node) in capture:
                captured[id(node)] = g
            if id(node) not in needed:
                continue
        if type(node) is _Select:
            parent = node.next[0]
            slots = bufs.get(parent)
            if slots is None:
                slots = bufs[parent] = [None] * parent.n_out
            slots[node.idx] = _add(slots[node.idx], g)
            continue
        grads = node.backward(g)
        if not retain_graph:
            if "saved" in d:
                d["saved"] = None
            if "out" in d:
                d["out"] = None
        if type(grads) is not tuple:
            grads = (grads,)
        for e, gi in zip(node.next, grads):
            if e is None or gi is None:
                continue
            if isinstance(e, Node):
                cur = bufs.get(e)
                bufs[e] = gi if cur is None else cur + gi
            else:
                entry = leaves.get(id(e))
                if entry is None:
                    leaves[id(e)] = [e, gi]
                else:
                    entry[1] = entry[1] + gi
    owned: set = set()
    for key, (leaf, g) in leaves.items():
        if leaf._hooks:
            for fn in list(leaf._hooks.values()):
                r = fn(g)
                if r is not None:
                    g = r
        if capture is not None:
            if key in capture:
                captured[key] = _add(captured.get(key), g)
            continue
        _accumulate_leaf(leaf, g, create_graph, owned)
    return captured


def _accumulate_leaf(leaf, g, create_graph, owned):
    """Add `g` into `leaf.grad`; a gradient array is never shared between two leaves or with the caller."""
    if g._data.shape != leaf._data.shape:
        g = g.sum_to_size(leaf._data.shape)
    if g._data.dtype != leaf._data.dtype:
        g = g.to(leaf.dtype)
    cur = leaf._grad
    if cur is None:
        if not create_graph:
            arr = g._data
            if arr.base is not None or not arr.flags.writeable or id(arr) in owned:
                arr = arr.copy()
            owned.add(id(arr))
            g = graph._make(arr)
        leaf._grad = g
    elif create_graph or not cur._data.flags.writeable:
        leaf._grad = cur + g
    else:
        cur._data += g._data
