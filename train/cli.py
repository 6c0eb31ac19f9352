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

from .config import overrides_epilog

# name -> (module, add-arguments function, run function, takes config overrides, help)
COMMANDS: dict[str, tuple[str, str, str, bool, str]] = {
    "validate": ("train.commands.data", "add_validate_arguments", "run_validate", False,
                 "check annotation files (errors exit 1, lint warnings do not)"),
    "dataset": ("train.commands.data", "add_dataset_arguments", "run_dataset", True,
                "build the Hugging Face DatasetDict from annotations and save it"),
    "stats": ("train.commands.data", "add_stats_arguments", "run_stats", True,
              "print per-split statistics of the dataset"),
    "fit": ("train.commands.fit", "add_fit_arguments", "run_fit", True,
            "train the joint NER + relation model from a config"),
    "check": ("train.fit.floors", "add_check_arguments", "run_check", True,
              "train a config, score its held-out test split and fail below configs/floors.yaml"),
    "evaluate": ("train.commands.evaluate", "add_evaluate_arguments", "run_evaluate", False,
                 "score a prediction file against gold, or a run directory on a split"),
    "baseline": ("train.commands.evaluate", "add_baseline_arguments", "run_baseline", True,
                 "predict a split with the string-match baseline"),
    "cv": ("train.fit.cv", "add_cv_arguments", "run_cv", True,
           "cross-validate a config by document"),
    "predict": ("train.commands.predict", "add_predict_arguments", "run_predict", False,
                "batch inference: articles in, JSON lines with entities and relations out"),
    "import": ("train.commands.interop", "add_import_arguments", "run_import", False,
               "import brat, Label Studio or doccano annotations into annotations/"),
    "export": ("train.commands.interop", "add_export_arguments", "run_export", False,
               "export annotations or predictions to brat, Label Studio or CoNLL"),
    "show": ("train.commands.interop", "add_show_arguments", "run_show", False,
             "render documents (and gold) as a right-to-left HTML page"),
    "card": ("train.commands.interop", "add_card_arguments", "run_card", False,
             "write a model card into a run directory"),
    "corpus": ("train.commands.corpus", "add_corpus_arguments", "run_corpus", False,
               "predict and link a corpus: mentions, edges, graph and an offline map and network page"),
}


def _usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = ["usage: python -m train COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {spec[4]}" for name, spec in COMMANDS.items()]
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
    module_name, add_name, run_name, takes_overrides, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"python -m train {name}", description=help_text,
                                     epilog=overrides_epilog() if takes_overrides else None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    getattr(module, add_name)(parser)
    if takes_overrides:
        args, extra = parser.parse_known_args(rest)
        bad = [a for a in extra if not (a.startswith("--") and "=" in a)]
        if bad:
            parser.error(f"unrecognized arguments: {' '.join(bad)} (overrides look like --train.epochs=3)")
        args.overrides = extra
    else:
        args = parser.parse_args(rest)
    try:
        return int(getattr(module, run_name)(args) or 0)
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
