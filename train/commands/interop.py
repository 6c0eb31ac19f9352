"""`python -m train import | export | show | card`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..data.schema import PROJECT_DIR, Schema, load_schema
from ..interop.brat import read_brat, write_brat
from ..interop.conll import write_conll
from ..interop.doccano import read_doccano, write_doccano
from ..interop.importing import check_imports, write_imports
from ..interop.labelstudio import read_labelstudio, task, write_tasks
from ..interop.model_card import write_model_card
from ..interop.review_page import review_page
from ..interop.sources import is_predictions, load_gold, load_source

READERS = {"brat": read_brat, "labelstudio": read_labelstudio, "doccano": read_doccano}


def _schema(args: argparse.Namespace) -> Schema:
    return load_schema(args.schema) if args.schema else load_schema()


def _add_schema(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schema", type=Path, default=None, help="schema file (default: annotations/schema.yaml)")


# --- import --------------------------------------------------------------------------------

def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=sorted(READERS), help="the tool the annotations come from")
    parser.add_argument("source", type=Path, help="brat: a folder of .txt/.ann pairs or one .ann; "
                        "labelstudio: a JSON export; doccano: a JSONL export")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "annotations", help="annotation folder (default: annotations/)")
    parser.add_argument("--text-dir", type=Path, default=PROJECT_DIR / "seeds",
                        help="where the raw texts go as <id>.txt (default: seeds/)")
    parser.add_argument("--force", action="store_true", help="replace existing annotation and text files")
    _add_schema(parser)


def run_import(args: argparse.Namespace) -> int:
    if not args.source.exists():
        raise ValueError(f"{args.source}: no such file or folder")
    schema = _schema(args)
    if args.format == "labelstudio":  # keeps the ids of unchanged items of the files it replaces in --out
        items = read_labelstudio(args.source, existing=args.out, schema=schema)
    else:
        items = READERS[args.format](args.source)
    problems = check_imports(items, schema)
    for problem in problems:
        print(problem, file=sys.stderr if problem.level == "error" else sys.stdout)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        print(f"{len(errors)} errors: nothing imported (fix them in the tool, export again)", file=sys.stderr)
        return 1
    written = write_imports(items, args.out, args.text_dir, args.force)
    entities = sum(len(i.doc.entities) for i in items if not i.skip)
    relations = sum(len(i.doc.relations) for i in items if not i.skip)
    print(f"imported {len(written)} documents ({entities} entities, {relations} relations) into {args.out}; "
          f"texts in {args.text_dir}. Next: python -m train validate")
    return 0


# --- export --------------------------------------------------------------------------------

def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=["brat", "labelstudio", "doccano", "conll"], help="the format to write")
    parser.add_argument("source", type=Path, help="an annotation folder or file, or a predictions .jsonl")
    parser.add_argument("--out", type=Path, required=True,
                        help="brat: a folder; labelstudio: a folder (tasks.json + labeling_config.xml) or a .json "
                        "file; doccano: a .jsonl file; conll: a file")
    parser.add_argument("--texts", type=Path, default=PROJECT_DIR / "annotations",
                        help="for predictions without text: a folder of <id>.json annotations or <id>.txt texts "
                        "(default: annotations/)")
    parser.add_argument("--with-gold", action="store_true",
                        help="labelstudio, predictions: also add the gold annotation found in --texts to each task")
    _add_schema(parser)


def _labelstudio_tasks(args: argparse.Namespace, docs: list) -> list[dict]:
    if not is_predictions(args.source):
        return [task(d.text or "", d.id, d.text_file, gold=d) for d in docs]
    gold = load_gold(args.texts) if args.with_gold else {}
    return [task(d.text or "", d.id, gold[d.id].text_file if d.id in gold else None, gold=gold.get(d.id),
                 predicted=d, model_version=args.source.stem) for d in docs]


def run_export(args: argparse.Namespace) -> int:
    schema = _schema(args)
    docs = load_source(args.source, args.texts)
    if args.format == "brat":
        write_brat(docs, args.out, schema)
        print(f"wrote {len(docs)} documents and annotation.conf/visual.conf to {args.out}")
    elif args.format == "labelstudio":
        tasks_path, config_path = write_tasks(_labelstudio_tasks(args, docs), args.out, schema)
        print(f"wrote {len(docs)} tasks to {tasks_path} and the labeling config to {config_path}")
    elif args.format == "doccano":
        write_doccano(docs, args.out)
        print(f"wrote {len(docs)} documents to {args.out} (import into a doccano relation-extraction project)")
    else:
        write_conll(docs, args.out)
        print(f"wrote {len(docs)} documents to {args.out}")
    return 0


# --- show ----------------------------------------------------------------------------------

def add_show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="annotation files or folders, or predictions .jsonl")
    parser.add_argument("--gold", type=Path, default=None,
                        help="gold annotation folder: texts for predictions, and a side-by-side comparison")
    parser.add_argument("-o", "--out", type=Path, required=True, help="the HTML page to write")
    parser.add_argument("--title", default=None, help="page title (default: the input names)")
    _add_schema(parser)


def run_show(args: argparse.Namespace) -> int:
    schema = _schema(args)
    gold = load_gold(args.gold) if args.gold else None
    docs = [doc for path in args.files for doc in load_source(path, args.gold)]
    title = args.title or " + ".join(p.name for p in args.files) + (f" vs {args.gold.name}" if gold else "")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(review_page(docs, schema, gold, title), encoding="utf-8")
    print(f"wrote {args.out} ({len(docs)} documents{', compared with gold' if gold else ''})")
    return 0


# --- card ----------------------------------------------------------------------------------

def add_card_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="a run directory (with config.yaml; metrics.json if scored)")


def run_card(args: argparse.Namespace) -> int:
    print(f"wrote {write_model_card(args.run_dir)}")
    return 0
