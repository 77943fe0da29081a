"""
The PyNN standard models that net.json can express, and clear refusals for the rest.

net.json uses PyNN's own names, units and defaults (docs/net-json.md), so every translation is the identity:
the "native" parameter space of these classes is net.json's. The models net.json lacks are still defined
here, so that a script using one fails at the call that names it, with the alternative, rather than with an
AttributeError or later inside run().
"""

from pyNN import errors
from pyNN.standardmodels import build_translations, cells, electrodes, synapses

from . import simulator


def _identity(*names):
    return build_translations(*[(name, name) for name in names])


def _cell(base, **extra):
    """A cell type whose parameters are PyNN's names, as net.json takes them."""
    attributes = {"__doc__": base.__doc__, "translations": _identity(*base.default_parameters)}
    attributes.update(extra)
    return type(base.__name__, (base,), attributes)


IF_curr_exp = _cell(cells.IF_curr_exp)
IF_curr_alpha = _cell(cells.IF_curr_alpha)
IF_cond_exp = _cell(cells.IF_cond_exp)
IF_cond_alpha = _cell(cells.IF_cond_alpha)
EIF_cond_exp_isfa_ista = _cell(cells.EIF_cond_exp_isfa_ista)
Izhikevich = _cell(cells.Izhikevich)
SpikeSourcePoisson = _cell(cells.SpikeSourcePoisson)
SpikeSourceArray = _cell(cells.SpikeSourceArray)

#: The cell types net.json knows, by name (the names the binary reads).
CELL_TYPES = {
    c.__name__: c
    for c in (IF_curr_exp, IF_curr_alpha, IF_cond_exp, IF_cond_alpha, EIF_cond_exp_isfa_ista, Izhikevich,
              SpikeSourcePoisson, SpikeSourceArray)
}

#: Initial values net.json accepts for each cell type (docs/net-json.md §3.3); PyNN's defaults for them are
#: written out explicitly, since PyNN's `v` starts at -65 mV whatever `v_rest` is.
INITIAL_VARIABLES = {
    "IF_curr_exp": ("v", "isyn_exc", "isyn_inh"),
    "IF_curr_alpha": ("v", "isyn_exc", "isyn_inh"),
    "IF_cond_exp": ("v", "gsyn_exc", "gsyn_inh"),
    "IF_cond_alpha": ("v", "gsyn_exc", "gsyn_inh"),
    "EIF_cond_exp_isfa_ista": ("v", "w", "gsyn_exc", "gsyn_inh"),
    "Izhikevich": ("v", "u"),
    "SpikeSourcePoisson": (),
    "SpikeSourceArray": (),
}

_CELLS_AVAILABLE = ", ".join(CELL_TYPES)


def _unavailable(base, kind, alternative):
    """A stand-in for a PyNN model net.json cannot express: constructing it raises, naming the alternative."""

    def __init__(self, *args, **kwargs):
        raise errors.NoModelAvailableError(
            f"pyNN.nmemu: {base.__name__} is not available: net.json has no such {kind}. {alternative}"
        )

    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": base.__doc__})


_CELL_ALTERNATIVE = f"The machines run these cell types: {_CELLS_AVAILABLE}."
HH_cond_exp = _unavailable(cells.HH_cond_exp, "cell type", _CELL_ALTERNATIVE)
IF_curr_delta = _unavailable(
    cells.IF_curr_delta, "cell type", "Use IF_curr_exp with a short tau_syn_E/tau_syn_I. " + _CELL_ALTERNATIVE)
IF_cond_exp_gsfa_grr = _unavailable(
    cells.IF_cond_exp_gsfa_grr, "cell type", "Use EIF_cond_exp_isfa_ista for adaptation. " + _CELL_ALTERNATIVE)
IF_facets_hardware1 = _unavailable(cells.IF_facets_hardware1, "cell type", _CELL_ALTERNATIVE)
EIF_cond_alpha_isfa_ista = _unavailable(
    cells.EIF_cond_alpha_isfa_ista, "cell type", "Use EIF_cond_exp_isfa_ista. " + _CELL_ALTERNATIVE)
SpikeSourceGamma = _unavailable(
    cells.SpikeSourceGamma, "cell type", "Use SpikeSourcePoisson, or SpikeSourceArray with times drawn in Python.")
SpikeSourceInhGamma = _unavailable(
    cells.SpikeSourceInhGamma, "cell type", "Use SpikeSourceArray with times drawn in Python.")
SpikeSourcePoissonRefractory = _unavailable(
    cells.SpikeSourcePoissonRefractory, "cell type",
    "Use SpikeSourcePoisson, or SpikeSourceArray with times drawn in Python.")
GIF_cond_exp = _unavailable(cells.GIF_cond_exp, "cell type", _CELL_ALTERNATIVE)

_SOURCE_ALTERNATIVE = (
    "The machines have no current injection; a constant current from t = 0 is the cell parameter i_offset "
    "(population.set(i_offset=...)), and input spikes come from SpikeSourcePoisson or SpikeSourceArray.")
DCSource = _unavailable(electrodes.DCSource, "current source", _SOURCE_ALTERNATIVE)
ACSource = _unavailable(electrodes.ACSource, "current source", _SOURCE_ALTERNATIVE)
StepCurrentSource = _unavailable(electrodes.StepCurrentSource, "current source", _SOURCE_ALTERNATIVE)
NoisyCurrentSource = _unavailable(electrodes.NoisyCurrentSource, "current source", _SOURCE_ALTERNATIVE)


def _minimum_delay(self):
    d = simulator.state.min_delay
    return simulator.state.dt if d == "auto" else d


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = _identity("weight", "delay")
    _get_minimum_delay = _minimum_delay


class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = _identity("weight", "delay", "U", "tau_rec", "tau_facil")
    _get_minimum_delay = _minimum_delay


class STDPMechanism(synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = _identity("weight", "delay", "dendritic_delay_fraction")
    _get_minimum_delay = _minimum_delay

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        # The machines' rule (sPyNNaker's) sees the whole delay as dendritic and has no voltage term.
        if timing_dependence is None or weight_dependence is None:
            raise errors.NoModelAvailableError(
                "pyNN.nmemu: STDPMechanism needs both a timing_dependence (SpikePairRule) and a "
                "weight_dependence (AdditiveWeightDependence or MultiplicativeWeightDependence)")
        if voltage_dependence is not None:
            raise errors.NoModelAvailableError(
                "pyNN.nmemu: STDPMechanism(voltage_dependence=...) is not available: net.json's STDP has no "
                "voltage term; leave voltage_dependence out")
        if dendritic_delay_fraction != 1.0:
            raise errors.NoModelAvailableError(
                f"pyNN.nmemu: STDPMechanism(dendritic_delay_fraction={dendritic_delay_fraction}) is not "
                "available: the machines treat the whole delay as dendritic (1.0, as sPyNNaker requires)")
        super().__init__(timing_dependence, weight_dependence, voltage_dependence, dendritic_delay_fraction,
                         weight, delay)

    def _build_translations(self):
        # PyNN's version updates the class's dict in place; keep each instance's own copy.
        self.translations = dict(self.base_translations)
        for component in (self.timing_dependence, self.weight_dependence):
            self.translations.update(component.translations)


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = _identity("tau_plus", "tau_minus", "A_plus", "A_minus")


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = _identity("w_max", "w_min")


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = _identity("w_max", "w_min")


_SYNAPSE_ALTERNATIVE = ("net.json's synapse types are StaticSynapse, TsodyksMarkramSynapse and STDPMechanism "
                        "with SpikePairRule and AdditiveWeightDependence or MultiplicativeWeightDependence.")
Vogels2011Rule = _unavailable(synapses.Vogels2011Rule, "timing dependence", _SYNAPSE_ALTERNATIVE)
GutigWeightDependence = _unavailable(synapses.GutigWeightDependence, "weight dependence", _SYNAPSE_ALTERNATIVE)
AdditivePotentiationMultiplicativeDepression = _unavailable(
    synapses.AdditivePotentiationMultiplicativeDepression, "weight dependence", _SYNAPSE_ALTERNATIVE)
ElectricalSynapse = _unavailable(synapses.ElectricalSynapse, "synapse type", _SYNAPSE_ALTERNATIVE)
SimpleStochasticSynapse = _unavailable(synapses.SimpleStochasticSynapse, "synapse type", _SYNAPSE_ALTERNATIVE)
StochasticTsodyksMarkramSynapse = _unavailable(
    synapses.StochasticTsodyksMarkramSynapse, "synapse type", _SYNAPSE_ALTERNATIVE)
MultiQuantalSynapse = _unavailable(synapses.MultiQuantalSynapse, "synapse type", _SYNAPSE_ALTERNATIVE)
