"""Annotation-tool interoperability, review pages and cards.

- `brat`, `labelstudio`, `doccano`: read a tool's export into `Document`s (and write brat
  and Label Studio files back); every reader reports problems with file and line or item.
- `importing`: the checks and the file writing shared by every import.
- `conll`: word-level IOB2 export on the dataset's own word split.
- `review_page`: the standalone right-to-left HTML page of `python -m train show`.
- `cards`: the dataset card and the model card (Hugging Face conventions).
- `commands`: the `import`, `export`, `show` and `card` commands.
"""
