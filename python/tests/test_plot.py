"""get_data() blocks go into PyNN's and Neo's plotting helpers unchanged: a raster and a trace as a PNG."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from pyNN.utility.plotting import Figure, Panel  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_get_data_plots_as_a_png_raster(sim, tmp_path):
    noise = sim.Population(20, sim.SpikeSourcePoisson(rate=50.0), label="noise")
    cells = sim.Population(10, sim.IF_curr_exp(), label="cells")
    sim.Projection(noise, cells, sim.FixedProbabilityConnector(0.5), sim.StaticSynapse(weight=2.0))
    noise.record("spikes")
    cells.record(["spikes", "v"])
    sim.run(200.0)
    noise_segment = noise.get_data().segments[0]
    cells_segment = cells.get_data().segments[0]
    assert sum(len(st) for st in noise_segment.spiketrains) > 0

    pynn_png = tmp_path / "pynn.png"
    Figure(Panel(noise_segment.spiketrains, xlabel="time (ms)", yticks=True),
           Panel(cells_segment.filter(name="v")[0], ylabel="v (mV)", xticks=True)).save(str(pynn_png))

    # Neo's own objects on matplotlib: times and signals carry their units.
    neo_png = tmp_path / "neo.png"
    fig, ax = plt.subplots()
    ax.eventplot([st.times.rescale("ms").magnitude for st in noise_segment.spiketrains])
    v = cells_segment.analogsignals[0]
    ax.plot(v.times.rescale("ms").magnitude, v.magnitude[:, 0])
    fig.savefig(neo_png)
    plt.close(fig)

    for png in (pynn_png, neo_png):
        data = png.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000, png
