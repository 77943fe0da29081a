"""
Finding and calling the `nmemu` binary.

setup()'s extra keyword arguments are the machine's options and reach `nmemu run` as flags, spelt the way
the binary spells them (`time_scale_factor=2` -> `--time-scale-factor 2`, `mismatch=True` -> `--mismatch`), so
a machine's new options work from Python as soon as the binary has them; the binary refuses one it does not
know, and that refusal is raised naming the setup() argument.
"""

import os
import shutil
import subprocess
import warnings

#: setup() arguments of other PyNN backends or of PyNN's example scripts that are no machine option; they
#: are ignored with a warning, so that a script written for another backend runs unchanged.
NOT_MACHINE_OPTIONS = frozenset({
    "filename", "file", "label", "rank", "num_processes", "verbosity", "spike_precision", "use_cvode",
    "rng_seeds", "rng_seeds_seed", "rng_seed", "grng_seed", "default_maxstep", "tolerance", "recording_precision",
    "t_flush", "nrn_dll",
})


class NmemuError(RuntimeError):
    """The nmemu binary refused the network or failed; the message is its own, with the command."""


def find():
    """The binary: `NMEMU_BIN` if set, else `nmemu` on PATH."""
    path = os.environ.get("NMEMU_BIN")
    if path:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise NmemuError(f"pyNN.nmemu: NMEMU_BIN={path} is not an executable file")
        return path
    path = shutil.which("nmemu")
    if path is None:
        raise NmemuError(
            "pyNN.nmemu: the nmemu binary was not found: set NMEMU_BIN to its path or put `nmemu` on PATH "
            "(`cargo build --release` builds it as target/release/nmemu)")
    return path


def flags(options):
    """setup()'s machine options as `nmemu run` flags, in the order given."""
    args = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        else:
            args += [flag, str(value)]
    return args


def machine_options(extra):
    """Split setup()'s extra arguments into machine options, warning about the ones no machine takes."""
    options = {}
    for key, value in extra.items():
        if key in NOT_MACHINE_OPTIONS:
            warnings.warn(f"pyNN.nmemu: setup({key}=...) is an option of other backends; the machines ignore it")
        else:
            options[key] = value
    return options


def _call(args):
    command = [find()] + args
    return subprocess.run(command, capture_output=True, text=True)


def run(machine, net_path, out_dir, options):
    """`nmemu run`; raises NmemuError with the binary's message unless it wrote a whole result set."""
    args = ["run", "--machine", machine, net_path, "--out", out_dir, "--force", "--quiet"] + flags(options)
    done = _call(args)
    # 3 is `--strict` with a verdict other than ok: the results are complete, and the verdict is warned about.
    if done.returncode not in (0, 3):
        message = done.stderr.strip() or done.stdout.strip()
        if done.returncode == 2 and options:
            message += (f"\n(setup()'s machine options became the flags {' '.join(flags(options))}; "
                        "the binary's usage error above names the one it does not take)")
        raise NmemuError(f"pyNN.nmemu: `nmemu {' '.join(args)}` failed (exit status {done.returncode}):\n"
                         f"{message}")
    return done


def validate(net_path):
    """`nmemu validate`; returns its report, raises NmemuError with its message when the file is refused."""
    done = _call(["validate", net_path])
    if done.returncode != 0:
        raise NmemuError(f"pyNN.nmemu: `nmemu validate {net_path}` refused the network:\n{done.stderr.strip()}")
    return done.stdout
