"""Graphs for DeepWalk (Perozzi et al. 2014): a planted-partition graph (networkx) with known
communities, random walks over it (vectorised over all walkers), and skip-gram pairs from them."""
from __future__ import annotations

import torch

from .._validate import check_generator, check_int, check_probability


def planted_partition(blocks: int, block_size: int, p_in: float, p_out: float, seed: int = 0
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """networkx.planted_partition_graph: `blocks` communities of `block_size` nodes; an edge inside a
    community with probability p_in, between communities with p_out.

    Returns (edges, labels): edges (E, 2) int64, each undirected edge once (u < v); labels (N,)
    int64, the community of each node (N = blocks * block_size; nodes of block c are
    c * block_size ... (c + 1) * block_size - 1).
    """
    import networkx as nx

    blocks, block_size = check_int("blocks", blocks), check_int("block_size", block_size)
    check_probability("p_in", p_in)
    check_probability("p_out", p_out)
    graph = nx.planted_partition_graph(blocks, block_size, p_in, p_out, seed=seed)
    edges = torch.tensor(sorted((min(u, v), max(u, v)) for u, v in graph.edges()), dtype=torch.long)
    labels = torch.arange(blocks).repeat_interleave(block_size)
    return edges.reshape(-1, 2), labels


def adjacency_lists(edges: torch.Tensor, num_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Compressed sparse rows of an undirected graph: edges (E, 2) -> (indptr (N + 1,), neighbours (2E,)).

    The neighbours of node i are neighbours[indptr[i]:indptr[i + 1]], sorted.
    """
    both = torch.cat([edges, edges.flip(1)])  # (2E, 2): each edge in both directions
    order = torch.argsort(both[:, 0] * num_nodes + both[:, 1])
    both = both[order]
    degree = torch.bincount(both[:, 0], minlength=num_nodes)
    indptr = torch.cat([torch.zeros(1, dtype=torch.long), degree.cumsum(0)])
    return indptr, both[:, 1].contiguous()


def random_walks(edges: torch.Tensor, num_nodes: int, walks_per_node: int, length: int,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform random walks, `walks_per_node` starting at every node, all walkers stepped at once.

    edges: (E, 2). Returns (num_nodes * walks_per_node, length) int64 node ids; column 0 holds
    the start nodes (0, 1, ..., N - 1, 0, 1, ...). Each step moves to a uniformly chosen
    neighbour; a node without neighbours stays where it is.
    """
    walks_per_node, length = check_int("walks_per_node", walks_per_node), check_int("length", length)
    if generator is not None:
        check_generator(generator)
    indptr, neighbours = adjacency_lists(edges, num_nodes)
    degree = indptr[1:] - indptr[:-1]  # (N,)
    current = torch.arange(num_nodes).repeat(walks_per_node)  # (W,)
    walks = [current]
    for _ in range(length - 1):  # one Python step per position, every walker at once
        deg = degree[current]
        offset = (torch.rand(current.shape, generator=generator, dtype=torch.float64) * deg).long()
        offset = torch.minimum(offset, (deg - 1).clamp(min=0))  # rand() < 1, but be safe at the edge
        if len(neighbours) == 0:  # no edges at all: nobody moves
            walks.append(current)
            continue
        nxt = neighbours[(indptr[current] + offset).clamp(max=len(neighbours) - 1)]
        current = torch.where(deg > 0, nxt, current)
        walks.append(current)
    return torch.stack(walks, dim=1)


def skipgram_pairs(walks: torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (center, context) pair at most `window` steps apart within a walk, both directions.

    walks: (W, L) int64. Returns (center, context), each (P,) int64 with
    P = 2 * W * sum_{d=1..window} (L - d) (distances d >= L give no pair).
    """
    window = check_int("window", window)
    centers, contexts = [], []
    for d in range(1, min(window, walks.shape[1] - 1) + 1):
        a, b = walks[:, :-d].reshape(-1), walks[:, d:].reshape(-1)
        centers += [a, b]
        contexts += [b, a]
    if not centers:
        empty = torch.zeros(0, dtype=torch.long)
        return empty, empty.clone()
    return torch.cat(centers), torch.cat(contexts)
