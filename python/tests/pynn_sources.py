"""
Fetch PyNN 0.13.0's source distribution from the package registry (with pip) and lay out what the tests use:
`examples/VAbenchmarks.py` and `scenarios/`, PyNN's simulator-independent system tests (`test/system/scenarios`)
with their simulator list set to nmemu alone and the skips of scenario_skips.py beside them.

Usage: python pynn_sources.py DEST   (does nothing when DEST already holds them)
"""

import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

VERSION = "0.13.0"
HERE = os.path.dirname(os.path.abspath(__file__))

# The scenarios name the simulators they run on; this makes every one run on pyNN.nmemu instead.
FIXTURE_LINE = "params = [pytest.param(LazySimulator(name), id=name) for name in sim_names]"
NMEMU_LINE = 'params = [pytest.param(LazySimulator("nmemu"), id="nmemu")]'


def fetch(dest):
    marker = os.path.join(dest, f"pynn-{VERSION}.done")
    skips = os.path.join(dest, "scenarios", "conftest.py")
    if os.path.exists(marker):
        shutil.copy(os.path.join(HERE, "scenario_skips.py"), skips)  # the skips as they are now
        return
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with tempfile.TemporaryDirectory() as download:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"pyNN=={VERSION}", "-d", download], check=True)
        (archive,) = glob.glob(os.path.join(download, "*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(download, filter="data")
        (root,) = [p for p in glob.glob(os.path.join(download, "*")) if os.path.isdir(p)]
        shutil.copytree(os.path.join(root, "test", "system", "scenarios"), os.path.join(dest, "scenarios"))
        os.makedirs(os.path.join(dest, "examples"))
        shutil.copy(os.path.join(root, "examples", "VAbenchmarks.py"), os.path.join(dest, "examples"))
    fixtures = os.path.join(dest, "scenarios", "fixtures.py")
    with open(fixtures) as f:
        text = f.read()
    if FIXTURE_LINE not in text:
        sys.exit(f"{fixtures}: the line choosing the simulators changed upstream; update pynn_sources.py")
    with open(fixtures, "w") as f:
        f.write(text.replace(FIXTURE_LINE, NMEMU_LINE))
    shutil.copy(os.path.join(HERE, "scenario_skips.py"), skips)
    open(marker, "w").close()


if __name__ == "__main__":
    fetch(sys.argv[1])
