"""Near-duplicate articles: MinHash signatures of word shingles and locality-sensitive hashing.

Two articles are near-duplicates when the estimated Jaccard similarity of their sets of
`SHINGLE`-word shingles (words of the linking key, `train.link.keys.key`) reaches
`THRESHOLD`; near-duplicates are joined transitively into clusters, and a cluster counts as
one document in edge totals. Memory: one `NUM_PERM`-number signature per article.
"""

from __future__ import annotations

from datasketch import MinHash, MinHashLSH

from ..link.keys import key

SHINGLE = 5
THRESHOLD = 0.8
NUM_PERM = 128


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """The distinct runs of `size` consecutive words of `key(text)` (the whole text when it
    has fewer words)."""
    words = key(text).split()
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> MinHash:
    """The MinHash signature of a text's shingles (`NUM_PERM` permutations, seed 1)."""
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    for shingle in shingles(text):
        minhash.update(shingle.encode("utf-8"))
    return minhash


class NearDuplicates:
    """Add articles one at a time; `cluster(doc_id)` is the id of the earliest-added article
    of its near-duplicate cluster (its representative)."""

    def __init__(self, threshold: float = THRESHOLD):
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.parent: dict[str, str] = {}
        self.order: dict[str, int] = {}

    def add(self, doc_id: str, text: str) -> list[str]:
        """Index an article; returns the ids of the earlier articles found similar. A
        repeated id is ignored (returns [])."""
        if doc_id in self.parent:
            return []
        minhash = signature(text)
        similar = self.lsh.query(minhash)
        self.lsh.insert(doc_id, minhash)
        self.parent[doc_id] = doc_id
        self.order[doc_id] = len(self.order)
        for other in similar:
            self._union(doc_id, other)
        return similar

    def cluster(self, doc_id: str) -> str:
        """The representative of `doc_id`'s cluster (`doc_id` itself when never added)."""
        root = doc_id
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(doc_id, doc_id) != root:
            self.parent[doc_id], doc_id = root, self.parent[doc_id]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self.cluster(a), self.cluster(b)
        if ra != rb:
            first, second = sorted((ra, rb), key=self.order.__getitem__)
            self.parent[second] = first
