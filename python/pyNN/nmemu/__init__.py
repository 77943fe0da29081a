"""
pyNN.nmemu: PyNN scripts on nmemu's emulated neuromorphic machines (SpiNNaker, BrainScaleS-1).

    import pyNN.nmemu as sim
    sim.setup(timestep=1.0, machine="spinnaker-48")

run() writes the network as net.json, runs the `nmemu` binary (NMEMU_BIN, else `nmemu` on PATH) and reads its
results back into Neo blocks; python/README.md says what maps to what.
"""

from pyNN import errors, random, space  # noqa: F401
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.network import Network  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType

from .binary import NmemuError  # noqa: F401
from .control import (  # noqa: F401
    end, export_net_json, get_current_time, get_health, get_mapping, get_max_delay, get_min_delay,
    get_provenance, get_results_dir, get_run_summary, get_time_step, initialize, num_processes, rank, reset,
    run, run_for, run_until, set_number_of_neurons_per_core, setup,
)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v  # noqa: F401
from .projections import Projection  # noqa: F401
from .results import NmemuWarning  # noqa: F401
from .standardmodels import *  # noqa: F401,F403
from .standardmodels import CELL_TYPES


def list_standard_models():
    """The standard cell types the machines run."""
    return [name for name, cls in CELL_TYPES.items() if issubclass(cls, StandardCellType)]
