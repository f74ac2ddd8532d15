"""A pure-Python trial for `dials tune` (no dependencies): the trial protocol
in ten lines, around a toy "training" that converges towards a minimum."""
import json, math, os, time

params = json.loads(os.environ["DIALS_PARAMS"])      # {"lr": 0.01, "depth": 3, "opt": "adam"}

def report(**metrics):                                # with step=… an intermediate value, else the final result
    print("dials: " + json.dumps(metrics), flush=True)

loss = 10.0
for epoch in range(5):
    target = (math.log10(params["lr"]) + 2) ** 2 + 0.3 * (params["depth"] - 3) ** 2 + (0 if params["opt"] == "adam" else 0.5)
    loss = target + (loss - target) * 0.5             # the "training" gets closer to target every epoch
    report(step=epoch, loss=loss)                     # the pruner may stop this process here (SIGTERM)
    time.sleep(float(os.environ.get("EPOCH_SECONDS", "0")))
report(loss=loss)
