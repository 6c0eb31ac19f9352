"""brat standoff: `<id>.txt` (the raw text) + `<id>.ann` (`T` entity and `R` relation lines).

    T1<TAB>FACTION 6 17<TAB>قوات النظام
    R1<TAB>CONTROLS Arg1:T1 Arg2:T2

brat offsets are character offsets into the text read as UTF-8, which are Python
code-point offsets into `read_text(<id>.txt)`. Only contiguous `T` spans and `R` lines
map onto the repository's documents; everything else is reported, never dropped quietly.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..data.documents import Document, DocumentError, Entity, read_text
from ..data.schema import Schema
from ..files import safe_filename
from .importing import Imported, RawEntity, RawRelation, settle_document

_OFFSETS = re.compile(r"(\d+) (\d+)")
_ARGUMENT = re.compile(r"(Arg1|Arg2):(\S+)")
_KINDS_NOT_IMPORTED = {"E": "event", "A": "attribute", "M": "attribute", "N": "normalization", "*": "equivalence"}


def brat_pairs(source: Path) -> list[tuple[Path, Path]]:
    """(text, annotation) file pairs: every `.ann` of a folder, or the pair of one file."""
    anns = sorted(source.glob("*.ann")) if source.is_dir() else [source.with_suffix(".ann")]
    if source.is_dir() and not anns:
        raise ValueError(f"{source}: no .ann files")
    return [(ann.with_suffix(".txt"), ann) for ann in anns]


def read_brat(source: Path) -> list[Imported]:
    return [read_brat_document(txt, ann) for txt, ann in brat_pairs(source)]


def read_brat_document(txt: Path, ann: Path) -> Imported:
    item = Imported(Document(txt.stem, source=str(ann)))
    try:
        text, lines = read_text(txt), read_text(ann).split("\n")
    except DocumentError as err:
        item.error(str(ann), str(err))
        item.skip = True
        return item
    entities: list[RawEntity] = []
    relations: list[RawRelation] = []
    for number, line in enumerate(lines, start=1):
        place = f"{ann}:{number}"
        line = line.removesuffix("\r")  # split on \n only: U+2028 and friends may sit inside a span's text
        if line.strip():
            _read_line(line, place, item, entities, relations)
    settle_document(item, txt.stem, text, entities, relations)
    return item


def _read_line(line: str, place: str, item: Imported, entities: list, relations: list) -> None:
    fields = line.split("\t")
    ann_id, kind = fields[0], fields[0][:1]
    if kind == "T" and len(fields) >= 2:
        entity = _entity(fields, place, item)
        if entity:
            entities.append(RawEntity(ann_id, entity, place))
    elif kind == "R" and len(fields) >= 2:
        relation = _relation(fields, place, item)
        if relation:
            relations.append(relation)
    elif kind == "#":
        item.warning(place, f"{ann_id}: annotator note ignored")
    elif kind in _KINDS_NOT_IMPORTED:
        item.error(place, f"{ann_id}: brat {_KINDS_NOT_IMPORTED[kind]} annotations cannot be imported "
                          "(only T spans and R relations; make it an R relation)")
    else:
        item.error(place, f"cannot read line {line[:60]!r}: expected 'T<n><TAB>TYPE START END<TAB>TEXT' "
                          "or 'R<n><TAB>TYPE Arg1:T<a> Arg2:T<b>'")


def _entity(fields: list[str], place: str, item: Imported) -> Entity | None:
    ann_id = fields[0]
    etype, _, offsets = fields[1].partition(" ")
    fragments = offsets.split(";")
    if len(fragments) > 1:
        item.error(place, f"{ann_id}: discontinuous span ({offsets}) cannot be imported: "
                          "entities are one contiguous span; split it into separate entities in brat")
        return None
    match = _OFFSETS.fullmatch(offsets.strip())
    if not match:
        item.error(place, f"{ann_id}: cannot read offsets {offsets!r} (expected 'START END')")
        return None
    start, end = int(match.group(1)), int(match.group(2))
    # brat stores the covered text; keeping it lets the validator catch offsets that moved.
    text = fields[2] if len(fields) >= 3 else ""
    return Entity("", etype, start, end, text)


def _relation(fields: list[str], place: str, item: Imported) -> RawRelation | None:
    ann_id = fields[0]
    rtype, _, rest = fields[1].partition(" ")
    args = dict(_ARGUMENT.findall(rest))
    if set(args) != {"Arg1", "Arg2"}:
        item.error(place, f"{ann_id}: relation needs Arg1:<entity> and Arg2:<entity>, got {rest!r}")
        return None
    return RawRelation(ann_id, rtype, args["Arg1"], args["Arg2"], place)


# --- writing -------------------------------------------------------------------------------

def brat_annotation(doc: Document) -> str:
    """The `.ann` text of a document; ids are kept, so brat -> import gives the same ids back."""
    lines = []
    for ent in doc.entities:
        if not re.fullmatch(r"T\d+", ent.id) or any(c in ent.text for c in "\t\n\r"):
            raise ValueError(f"{doc.source or doc.id}: {ent.id} cannot be written to brat "
                             "(brat needs ids T<n> and a span on one line)")
        lines.append(f"{ent.id}\t{ent.type} {ent.start} {ent.end}\t{ent.text}")
    for rel in doc.relations:
        if not re.fullmatch(r"R\d+", rel.id):
            raise ValueError(f"{doc.source or doc.id}: {rel.id} cannot be written to brat (brat needs ids R<n>)")
        lines.append(f"{rel.id}\t{rel.type} Arg1:{rel.head} Arg2:{rel.tail}")
    return "".join(line + "\n" for line in lines)


def annotation_conf(schema: Schema) -> str:
    """brat's `annotation.conf` from the schema: types, allowed argument pairs, symmetry."""
    lines = ["# Generated from the label schema (annotations/schema.yaml) by `python -m train export brat`.", "[entities]"]
    lines += schema.entity_names
    lines += ["", "[relations]"]
    for rel in schema.relation_types:
        flag = ", <REL-TYPE>:symmetric" if rel.symmetric else ""
        # One line per allowed pair: a pair list like FACTION|LOCATION would also allow mixed pairs.
        lines += [f"{rel.name}\tArg1:{head}, Arg2:{tail}{flag}" for head, tail in rel.args]
    lines += ["", "[events]", "", "[attributes]", ""]
    return "\n".join(lines)


def visual_conf(schema: Schema) -> str:
    """brat's `visual.conf`: the schema's colours, so brat shows what `show` pages show, and
    right-to-left text (brat's `[options]` "Text direction:rtl", read by its
    `projectconfig.visual_options_get_text_direction`)."""
    lines = ["[labels]"] + [f"{name} | {name}" for name in schema.entity_names + schema.relation_names]
    lines += ["", "[drawing]"] + [f"{name}\tbgColor:{schema.color(name)}" for name in schema.entity_names]
    lines += ["", "[options]", "Arcs bundle:none", "Text direction:rtl"]
    return "\n".join(lines) + "\n"


def write_brat(docs: list[Document], out_dir: Path, schema: Schema) -> list[Path]:
    """`<id>.txt`, `<id>.ann` per document plus the collection's `annotation.conf` and `visual.conf`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in docs:
        ann = brat_annotation(doc)
        name = safe_filename(doc.id)
        with open(out_dir / f"{name}.txt", "w", encoding="utf-8", newline="") as handle:
            handle.write(doc.text or "")  # newline="" keeps \r\n, which brat's offsets count
        (out_dir / f"{name}.ann").write_text(ann, encoding="utf-8", newline="\n")
        written.append(out_dir / f"{name}.ann")
    (out_dir / "annotation.conf").write_text(annotation_conf(schema), encoding="utf-8")
    (out_dir / "visual.conf").write_text(visual_conf(schema), encoding="utf-8")
    return written
