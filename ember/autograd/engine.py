"""The backward engine: iterative topological sort, gradient accumulation, hooks, grad capture."""
from __future__ import annotations

import operator
import threading

from . import graph
from .grad_mode import _set_grad, grad_enabled

from .graph import Node


class _Select(Node):
    """grad_fn of output `idx` of a multi-output custom Function; routes its gradient to the parent's slot."""

    def __init__(self, parent, idx):
        self.next = (parent,)
        self.seq = graph._seq()
        self.idx = idx

    def name(self):
        return self.next[0].name()


def _topo(roots):
    """Nodes reachable from `roots`, newest first, and how many recorded edges point at each leaf.

    A node is always created after the nodes of its inputs, so descending creation order is a topological order
    (consumers before producers), and the one torch's engine follows: a layer's weight gradient is finished right
    after that layer, not at the end of backward.
    """
    nodes, uses = set(roots), {}
    stack = list(nodes)
    while stack:
        for e in stack.pop().next:
            if e is None:
                continue
            if isinstance(e, Node):
                if e not in nodes:
                    nodes.add(e)
                    stack.append(e)
            else:
                k = id(e)
                uses[k] = uses.get(k, 0) + 1
    order = list(nodes)
    if len(order) > 1:
        order.sort(key=_by_seq, reverse=True)
    return order, uses


_by_seq = operator.attrgetter("seq")


def _add(a, b):
    return b if a is None else (a if b is None else a + b)


_pass = threading.local()  # (queued callbacks, capture set) of the backward pass running in this thread


def queue_callback(fn) -> None:
    """Run ``fn()`` once the backward pass now running has finished (torch's engine ``queue_callback``)."""
    running = getattr(_pass, "now", None)
    if running is None:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    running[0].append(fn)


def current_capture():
    """The targets the running backward pass captures (autograd.grad / backward(inputs=)), else None."""
    running = getattr(_pass, "now", None)
    return None if running is None else running[1]


def graph_leaves(tensors) -> dict:
    """{id: tensor} of the leaves requiring grad that the recorded graph of `tensors` reaches (themselves included)."""
    leaves, seen = {}, set()
    stack = []
    for t in tensors:
        if t._grad_fn is not None:
            stack.append(t._grad_fn)
        elif t._rg:
            leaves[id(t)] = t
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for e in node.next:
            if isinstance(e, Node):
                stack.append(e)
            elif e is not None:
                leaves[id(e)] = e
    return leaves


def run_backward(pairs, retain_graph: bool, create_graph: bool, capture=None):
    """Propagate gradients from (target, grad) pairs, target a Node or a leaf tensor.

    With `capture` (a set of ids of leaves/nodes) the gradients reaching those targets are returned as {id: grad}
    instead of being accumulated into `.grad`, and only the part of the graph leading to them runs.
    """
    prev, outer = grad_enabled(), getattr(_pass, "now", None)
    _set_grad(create_graph)
    _pass.now = (cbs := [], capture)
    try:
        out = _run(pairs, retain_graph, create_graph, capture)
        while cbs:  # a callback may queue another
            cbs.pop(0)()
        return out
    finally:
        _pass.now = outer
        _set_grad(prev)


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
    order, uses = _topo(roots)
    needed = None
    if capture is not None:
        needed = set()
        for n in reversed(order):
            if id(n) in capture or any(id(e) in needed or id(e) in capture for e in n.next if e is not None):
                needed.add(id(n))
    captured: dict = {}
    owned: set = set()
    for node in order:
        g = bufs.pop(node, None)
        if g is None:
            _release(node.next, uses, leaves, create_graph, owned, capture, captured)
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
                _release(node.next, uses, leaves, create_graph, owned, capture, captured)
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
            if e is None:
                continue
            if isinstance(e, Node):
                if gi is not None:
                    cur = bufs.get(e)
                    bufs[e] = gi if cur is None else cur + gi
                continue
            key = id(e)  # a leaf: add this edge's gradient, and finish the leaf once its last consumer has run
            entry = leaves.get(key)
            if gi is not None:
                if entry is None:
                    entry = leaves[key] = [e, gi]
                else:
                    entry[1] = entry[1] + gi
            left = uses[key] - 1
            uses[key] = left
            if not left and entry is not None:
                del leaves[key]
                _finish_leaf(entry, create_graph, owned, capture, captured)
    for entry in list(leaves.values()):  # leaves given directly as roots
        _finish_leaf(entry, create_graph, owned, capture, captured)
    return captured


def _release(edges, uses, leaves, *finish_args):
    """Count down the leaves fed by the edges of a node that passed on no gradient."""
    for e in edges:
        if e is not None and not isinstance(e, Node):
            left = uses[id(e)] - 1
            uses[id(e)] = left
            if not left and id(e) in leaves:
                _finish_leaf(leaves.pop(id(e)), *finish_args)


def _finish_leaf(entry, create_graph, owned, capture, captured):
    """A leaf's gradient is complete: run its hooks, then capture it or accumulate it into `.grad`."""
    leaf, g = entry
    if leaf._hooks:
        for fn in list(leaf._hooks.values()):
            r = fn(g)
            if r is not None:
                g = r
    if capture is not None:
        if id(leaf) in capture:
            captured[id(leaf)] = _add(captured.get(id(leaf)), g)
        return
    _accumulate_leaf(leaf, g, create_graph, owned)


def _accumulate_leaf(leaf, g, create_graph, owned):
    """Add `g` into `leaf.grad`; a gradient array is never shared between two leaves or with the caller."""
    if g._data.shape != leaf._data.shape:
        g = g.sum_to_size(leaf._data.shape)
    if g._data.dtype != leaf._data.dtype:
        g = g.to(leaf.dtype)
    cur = leaf._grad
    post = leaf.__dict__.get("_post_acc_hooks")
    if cur is None:
        if not create_graph:
            arr = g._data  # a post hook may write .grad in place while backward still reads its buffers: own it
            if post or arr.base is not None or not arr.flags.writeable or id(arr) in owned:
                arr = arr.copy()
            owned.add(id(arr))
            g = graph._make(arr)
        leaf._grad = g
    elif create_graph or not cur._data.flags.writeable:
        leaf._grad = cur + g
    else:
        cur._data += g._data
    if post:
        for fn in list(post.values()):
            fn(leaf)
