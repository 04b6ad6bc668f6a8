# %% [markdown]
# # What if this service moved to Graviton?
#
# A what-if in notebook cells (`# %%`: open it in Jupyter with jupytext, or in VS Code),
# using only the Python API: take the quickstart, change the instance type, compare
# latency, utilization and cost as a pandas table and a matplotlib plot.

# %%
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from simulator.experiment import run  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd().parent
base = load_scenario(ROOT / "scenarios" / "quickstart.yaml")

# %%
rows = []
results = {}
for itype in ["m6i.xlarge", "m6g.xlarge", "m7g.xlarge", "c7g.xlarge"]:
    scenario = base.model_copy(
        update={"capacity": base.capacity.model_copy(update={"instance_type": itype})}
    )
    r = run(scenario)
    results[itype] = r
    web = r.summary["services"]["web"]
    rows.append(
        {
            "instance type": itype,
            "web p99 max (ms)": web["p99_latency_ms_max"],
            "web CPU max (%)": web["max_cpu_utilization_pct"],
            "cost (USD, 2 days)": r.summary["cost_usd"],
        }
    )
table = pd.DataFrame(rows).set_index("instance type")
print(table.round(2))

# %%
fig, ax = plt.subplots(figsize=(9, 4))
for itype, r in results.items():
    p99 = r.series("TargetResponseTime.p99", service="web") * 1000
    ax.plot(p99.index / 3600, p99.to_numpy(), label=itype)
ax.set_yscale("log")
ax.set_xlabel("simulated time (hours)")
ax.set_ylabel("web p99 (ms)")
ax.legend()
fig.savefig(Path.cwd() / "graviton_what_if.png", dpi=100)
