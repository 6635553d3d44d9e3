"""The faces of stintlab: the self-contained HTML race report (:mod:`stintlab.report.html`),
its plotly charts (:mod:`stintlab.report.charts`) and the car's story in English and French
(:mod:`stintlab.report.story`). No analysis here: the numbers come from :mod:`stintlab.analysis`."""
