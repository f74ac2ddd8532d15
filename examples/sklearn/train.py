"""An SVM on scikit-learn's digits, tuned by `dials tune` (examples/sklearn/dials.yaml).

Needs scikit-learn: `apt-get install python3-sklearn` (Debian/Ubuntu) or
`pip install scikit-learn`. The parameters arrive as command-line arguments
({args} in the config expands to --C=… --kernel=… --gamma=… [--degree=…]).
Each cross-validation fold is reported as an intermediate value, so a pruner
can stop a hopeless configuration after its first folds.
"""
import argparse
import json

from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def report(**metrics):
    print("dials: " + json.dumps(metrics), flush=True)


parser = argparse.ArgumentParser()
parser.add_argument("--C", type=float, required=True)
parser.add_argument("--kernel", required=True)
parser.add_argument("--gamma", type=float, required=True)
parser.add_argument("--degree", type=int, default=3)
args = parser.parse_args()

X, y = load_digits(return_X_y=True)
model = make_pipeline(StandardScaler(), SVC(C=args.C, kernel=args.kernel, gamma=args.gamma, degree=args.degree))
scores = []
for fold, (train, test) in enumerate(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y)):
    model.fit(X[train], y[train])
    scores.append(model.score(X[test], y[test]))
    report(step=fold, accuracy=sum(scores) / len(scores))
report(accuracy=sum(scores) / len(scores))
