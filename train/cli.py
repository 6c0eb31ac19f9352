"""`python -m train COMMAND ...`: one entry point for every step of the flow.

Each command lives in the module that implements it; only the chosen one is imported,
so `validate` does not pay for importing torch. Commands that take a config accept
overrides such as `--train.encoder_lr=3e-5` after their own arguments.
"""

from __future__ import annotations

import argparse
import importlib
import pickle
import sys
from typing import NamedTuple

from .config import overrides_epilog


class Command(NamedTuple):
    """One command of `python -m train`: where it lives and how it is called."""

    module: str
    """The module that implements it (imported only when the command runs)."""
    add_arguments: str
    """Name of the module's function that adds the command's arguments to a parser."""
    run: str
    """Name of the module's function that runs it on the parsed arguments."""
    takes_overrides: bool
    """Whether config overrides (`--section.field=value`) follow its own arguments."""
    help: str
    """One line for the command list."""


COMMANDS: dict[str, Command] = {
    "validate": Command("train.commands.data", "add_validate_arguments", "run_validate", False,
                      "check annotation files (errors exit 1, lint warnings do not)"),
    "dataset": Command("train.commands.data", "add_dataset_arguments", "run_dataset", True,
                      "build the Hugging Face DatasetDict from annotations and save it"),
    "stats": Command("train.commands.data", "add_stats_arguments", "run_stats", True,
                      "print per-split statistics of the dataset"),
    "fit": Command("train.commands.fit", "add_fit_arguments", "run_fit", True,
                      "train the joint NER + relation model from a config"),
    "check": Command("train.fit.floors", "add_check_arguments", "run_check", True,
                      "train a config, score its held-out test split and fail below configs/floors.yaml"),
    "evaluate": Command("train.commands.evaluate", "add_evaluate_arguments", "run_evaluate", False,
                      "score a prediction file against gold, or a run directory on a split"),
    "baseline": Command("train.commands.evaluate", "add_baseline_arguments", "run_baseline", True,
                      "predict a split with the string-match baseline"),
    "cv": Command("train.fit.cv", "add_cv_arguments", "run_cv", True,
                      "cross-validate a config by document"),
    "predict": Command("train.commands.predict", "add_predict_arguments", "run_predict", False,
                      "batch inference: articles in, JSON lines with entities and relations out"),
    "import": Command("train.commands.interop", "add_import_arguments", "run_import", False,
                      "import brat, Label Studio or doccano annotations into annotations/"),
    "export": Command("train.commands.interop", "add_export_arguments", "run_export", False,
                      "export annotations or predictions to brat, Label Studio or CoNLL"),
    "show": Command("train.commands.interop", "add_show_arguments", "run_show", False,
                      "render documents (and gold) as a right-to-left HTML page"),
    "card": Command("train.commands.interop", "add_card_arguments", "run_card", False,
                      "write a model card into a run directory"),
    "corpus": Command("train.commands.corpus", "add_corpus_arguments", "run_corpus", False,
                      "predict and link a corpus: mentions, edges, graph and an offline map and network page"),
}


def _usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = ["usage: python -m train COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {command.help}" for name, command in COMMANDS.items()]
    lines += ["", "python -m train COMMAND --help shows a command's arguments."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    command = COMMANDS[name]
    module = importlib.import_module(command.module)
    parser = argparse.ArgumentParser(prog=f"python -m train {name}", description=command.help,
                                     epilog=overrides_epilog() if command.takes_overrides else None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    getattr(module, command.add_arguments)(parser)
    if command.takes_overrides:
        args, extra = parser.parse_known_args(rest)
        bad = [a for a in extra if not (a.startswith("--") and "=" in a)]
        if bad:
            parser.error(f"unrecognized arguments: {' '.join(bad)} (overrides look like --train.epochs=3)")
        args.overrides = extra
    else:
        args = parser.parse_args(rest)
    try:
        return int(getattr(module, command.run)(args) or 0)
    except KeyboardInterrupt:
        hint = " (continue with --resume)" if name in ("fit", "predict") else ""
        print(f"interrupted{hint}", file=sys.stderr)
        return 130
    except pickle.UnpicklingError:
        print("error: refused to load a checkpoint file that holds more than tensors (torch.load with "
              "weights_only=True); load only weights you trust, saved as model.safetensors", file=sys.stderr)
        return 1
    except (ValueError, OSError) as err:
        # Config, schema, document and I/O errors carry their own location; show them plainly.
        if getattr(args, "debug", False):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 1
