"""stratlab_bridge: a stratlab run directory from Python.

Asks one long-lived ``node bin/stratlab.js bridge serve`` process per kernel for JSON (JSON lines over
its stdin and stdout; it is started again if it died) and returns pandas DataFrames, so Python
notebooks read runs with the same SQL as TypeScript ones. Standard library + pandas only; charts
with Plotly when it is importable, else matplotlib (Debian's python3-matplotlib).

    import stratlab_bridge as sb
    run = sb.open_run("/abs/runs/cfg/20261121-194501-a1b2c3")
    run.query("SELECT strategy_hash, sharpe FROM strategy_index ORDER BY sharpe DESC LIMIT 5")
"""
import atexit
import json
import math
import os
import shutil
import subprocess
import tempfile
import threading
from collections import deque

import pandas as pd

__all__ = ["open_run", "Run", "TraceAnalysis", "StratlabError", "cli", "bridge_pid", "close_bridge", "show", "heatmap", "heatmap_grid", "scatter", "bar",
           "lines", "histogram", "chart_backend", "plain", "write_json_atomic"]

# kernels/python/stratlab_bridge.py -> the checkout is two folders up.
_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.environ.get("STRATLAB_ROOT") or os.path.dirname(os.path.dirname(_HERE))


class StratlabError(RuntimeError):
    """A stratlab CLI call failed; the message is the CLI's one-line error."""


def _node(node=None):
    found = node or os.environ.get("STRATLAB_NODE") or shutil.which("node")
    if not found:
        raise StratlabError("node not found: set STRATLAB_NODE or pass node=... (the stratlab CLI runs on Node 20)")
    return found


class _Bridge:
    """One ``stratlab bridge serve`` process: a request line in, a response line out, in order."""

    def __init__(self, root, node):
        self.root, self.node = root, node
        self.proc = None
        self.next_id = 0
        self.lock = threading.Lock()
        self.stderr = deque(maxlen=20)

    def _start(self):
        script = os.path.join(self.root, "bin", "stratlab.js")
        if not os.path.exists(script):
            raise StratlabError(f"{script} not found: root= must be the stratlab checkout (or set STRATLAB_ROOT)")
        self.proc = subprocess.Popen([_node(self.node), script, "bridge", "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        # Drain stderr so a chatty command can never block the process on a full pipe; keep its tail for errors.
        threading.Thread(target=lambda p=self.proc: [self.stderr.append(l.rstrip()) for l in p.stderr], daemon=True).start()

    def _alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _exchange(self, message, timeout):
        self.next_id += 1
        message = dict(message, id=self.next_id)
        fired = []
        proc = self.proc
        timer = threading.Timer(timeout, lambda: (fired.append(True), proc.kill())) if timeout else None
        if timer:
            timer.start()
        try:
            proc.stdin.write(json.dumps(message) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        finally:
            if timer:
                timer.cancel()
        if fired:
            self.close()
            raise StratlabError(f"stratlab bridge: {message.get('op')} did not answer within {timeout} s (pass timeout=...)")
        if not line:
            raise BrokenPipeError("the bridge process exited")
        reply = json.loads(line)
        if reply.get("id") != self.next_id:
            raise StratlabError(f"bridge: answer to request {reply.get('id')} while waiting for {self.next_id}")
        return reply

    def request(self, message, timeout=600):
        with self.lock:
            for attempt in (1, 2):
                if not self._alive():
                    self._start()
                try:
                    reply = self._exchange(message, timeout)
                    break
                except (BrokenPipeError, OSError, ValueError) as e:
                    # Killed (by the user, a timeout or the OOM killer): start a fresh one and ask again, once.
                    self.close()
                    if attempt == 2:
                        tail = " | ".join(list(self.stderr)[-3:])
                        raise StratlabError(f"stratlab bridge: {message.get('op')} failed: {e}" + (f" ({tail})" if tail else ""))
        if not reply.get("ok"):
            err = reply.get("error") or {}
            raise StratlabError(err.get("message") or "stratlab bridge: request failed")
        return reply.get("result")

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


_bridges = {}
_bridges_lock = threading.Lock()


def _bridge(root=None, node=None):
    root = root or DEFAULT_ROOT
    with _bridges_lock:
        b = _bridges.get((root, node))
        if b is None:
            b = _bridges[(root, node)] = _Bridge(root, node)
        return b


def bridge_pid(root=None, node=None):
    """The pid of this kernel's bridge process (started if there is none)."""
    return _bridge(root, node).request({"op": "ping"})["pid"]


def close_bridge():
    """Stops the bridge processes (they also stop by themselves when this process exits)."""
    with _bridges_lock:
        for b in _bridges.values():
            with b.lock:
                b.close()
        _bridges.clear()


atexit.register(close_bridge)


def cli(args, root=None, node=None, timeout=600):
    """Run ``stratlab ARGS`` in the bridge process and return its parsed JSON output (pass --json in ARGS)."""
    return _bridge(root, node).request({"op": "cli", "argv": [str(a) for a in args]}, timeout)


def _frame(payload):
    """Rows as the CLI gives them: a list of objects, or {rows: [...], columns: [...]}."""
    if isinstance(payload, dict):
        rows, columns = payload.get("rows", []), payload.get("columns")
        if columns and rows and isinstance(rows[0], list):
            return pd.DataFrame(rows, columns=[c["name"] if isinstance(c, dict) else c for c in columns])
        df = pd.DataFrame(rows)
        if columns and len(df.columns) == 0:
            df = pd.DataFrame(columns=[c["name"] if isinstance(c, dict) else c for c in columns])
        return df
    return pd.DataFrame(payload)


class Run:
    """One run directory: its manifest (run.json) and SQL over strategy_index, traces, trades, equity."""

    def __init__(self, run_dir, root=None, node=None):
        self.dir = os.path.abspath(run_dir)
        self.root = root or DEFAULT_ROOT
        self.node = node
        with open(os.path.join(self.dir, "run.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)

    def query(self, sql):
        """Read-only SQL over the run's views; a DataFrame."""
        return _frame(_bridge(self.root, self.node).request({"op": "query", "run": self.dir, "sql": sql}))

    def result(self, *args):
        """``stratlab result --run DIR ARGS --json``, parsed."""
        return cli(["result", "--run", self.dir, *args, "--json"], self.root, self.node)

    def strategy_index(self):
        return self.query("SELECT * FROM strategy_index")

    def varying_parameters(self):
        """(names, numeric names) of the parameters that differ across the run's strategies; nested ones dotted."""
        seen, numeric = {}, set()

        def walk(obj, prefix):
            for k, v in obj.items():
                key = prefix + k
                if isinstance(v, dict):
                    walk(v, key + ".")
                else:
                    seen.setdefault(key, set()).add(json.dumps(v, sort_keys=True))
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        numeric.add(key)

        for p in self.query("SELECT parameters FROM strategy_index")["parameters"]:
            walk(json.loads(p), "")
        names = [k for k, s in seen.items() if len(s) > 1]
        return names, numeric

    def bars(self, symbol=None):
        """The run's bars (t: epoch ms, close) loaded again from the file run.json names; None when it is gone."""
        data = [d for d in self.manifest["data"] if symbol is None or d["symbol"] == symbol] or self.manifest["data"]
        src = data[0].get("path") if data else None
        if not src or not os.path.exists(src):
            return None
        code = ("const lib = require(process.argv[1]);"
                "lib.loadBars(process.argv[2]).then((b) => process.stdout.write(JSON.stringify({ t: Array.from(b.time), close: Array.from(b.close) })))"
                ".catch((e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });")
        proc = subprocess.run([_node(self.node), "-e", code, os.path.join(self.root, "dist"), src], capture_output=True, text=True)
        if proc.returncode != 0:
            raise StratlabError(f"{src}: {proc.stderr.strip()}")
        return pd.DataFrame(json.loads(proc.stdout))

    def backtest(self, strategy, params, data, **flags):
        """``stratlab backtest`` with this run's engine settings unless flags override them; the metrics dict."""
        s = self.manifest.get("settings", {})
        opts = {"cash": s.get("cash"), "spread": s.get("spread"), "commission": s.get("commission"), "fill": s.get("fill")}
        opts.update({k.rstrip("_").replace("_", "-"): v for k, v in flags.items()})  # from_= -> --from
        args = ["backtest", "--data", data, "--strategy", strategy, "--params", json.dumps(params), "--no-run", "--json"]
        for k, v in opts.items():
            if v is not None:
                args += [f"--{k}", v]
        return cli(args, self.root, self.node)


def open_run(run_dir, root=None, node=None):
    return Run(run_dir, root, node)


class TraceAnalysis(Run):
    """The seed's name for SQL over a run's traces (the view ``traces``, next to strategy_index)."""


# ---- display --------------------------------------------------------------------------------

def _display(bundle):
    try:
        from IPython.display import display
    except ImportError:
        print(bundle.get("text/plain", ""))
        return
    display(bundle, raw=True)


def show(df, caption=None, max_rows=50):
    """A DataFrame as an HTML table (with a caption) in a notebook, aligned text elsewhere."""
    shown = df.head(max_rows)
    html = shown.to_html(index=False, float_format=lambda v: f"{v:,.4g}", na_rep="", classes="stratlab-table")
    if caption:
        html = html.replace(">\n  <thead>", f">\n  <caption style=\"caption-side:top;text-align:left;font-weight:bold\">{caption}</caption>\n  <thead>", 1)
    text = (caption + "\n" if caption else "") + shown.to_string(index=False)
    _display({"text/html": html, "text/plain": text})


def _plotly():
    try:
        import plotly.graph_objects as go  # noqa: F401
        import plotly.io as pio
        pio.renderers.default = "notebook"  # plotly.js inline once: renders offline
        return go
    except ImportError:
        return None


def chart_backend():
    return "plotly" if _plotly() else "matplotlib"


def _plt():
    import matplotlib
    if "inline" not in matplotlib.get_backend() and os.environ.get("MPLBACKEND") is None and not _in_kernel():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _in_kernel():
    try:
        from IPython import get_ipython
        return get_ipython() is not None and "IPKernelApp" in get_ipython().config
    except Exception:
        return False


# The colour scales by name, as the TypeScript notebooks use them (lib/viz/colorscales.ts holds matplotlib's
# colormaps sampled at 11 points): the same name colours a value alike in both kernels, low value first.
_CMAPS = {"viridis": "viridis", "plasma": "plasma", "magma": "magma", "rdylgn": "RdYlGn", "rdbu": "RdBu", "blues": "Blues", "reds": "Reds", "greens": "Greens"}
DISQUALIFIED_COLOR = "#bdbdbd"


def _sorted_labels(values):
    vals = list(values)
    try:
        return sorted(vals, key=float)
    except (TypeError, ValueError):
        return sorted(vals, key=str)


def _label(v):
    """A tick label as the TypeScript notebooks write it: 10.0 -> '10'."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _is_set(v):
    if isinstance(v, str):
        return v.strip() not in ("", "0") and v.strip().lower() != "false"
    return bool(v) and v == v


def heatmap_grid(df, x, y, z, disqualified=None, agg="mean"):
    """The grid heatmap() draws, as lib/viz/heatmap.ts aggregates it: (x labels ascending, y labels ascending,
    values[row = y][column = x] with NaN where no qualified row, disqualified[row][column] where every row
    of the cell is disqualified). Rows sharing a cell combine by agg ('mean', 'max' or 'min')."""
    import numpy as np
    if agg not in ("mean", "max", "min"):
        raise StratlabError(f"heatmap agg: expected 'mean' | 'max' | 'min', got {agg!r}")
    d = df[[x, y, z] + ([disqualified] if disqualified else [])].copy()
    d["_dq"] = d[disqualified].map(_is_set) if disqualified else False
    xs, ys = _sorted_labels(d[x].unique()), _sorted_labels(d[y].unique())
    ok = d[~d["_dq"]].copy()
    ok[z] = pd.to_numeric(ok[z], errors="coerce").astype(float)
    ok = ok[np.isfinite(ok[z])]
    grid = ok.pivot_table(index=y, columns=x, values=z, aggfunc=agg).reindex(index=ys, columns=xs)
    seen = d.groupby([y, x])["_dq"].agg(["all", "size"])
    dq = np.zeros((len(ys), len(xs)), dtype=bool)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            if (yv, xv) in seen.index and seen.loc[(yv, xv), "all"] and not np.isfinite(grid.values[i, j]):
                dq[i, j] = True
    return xs, ys, grid.values.astype(float), dq


def heatmap(df, x, y, z, title=None, colorscale="Viridis", decimals=2, disqualified=None, agg="mean"):
    """z over x × y, as the TypeScript notebooks draw it (heatmapFigure): x ascending to the right, y ascending
    upwards, the named colour scale spanning the qualified cells only, and cells whose rows are all
    disqualified (the column `disqualified` truthy) drawn grey and hatched, outside the scale."""
    import numpy as np
    title = title or f"{z} by {y} x {x}" + ("" if agg == "mean" else f" ({agg} per cell)")
    xs, ys, values, dq = heatmap_grid(df, x, y, z, disqualified, agg)
    n_dq = int(dq.sum())
    if n_dq:
        title += f" (grey ×: disqualified, {n_dq} cell{'' if n_dq == 1 else 's'})"
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if lo == hi:
        lo, hi = lo - (abs(lo) or 1), hi + (abs(hi) or 1)
    if colorscale.lower() not in _CMAPS:
        raise StratlabError(f"colour scale {colorscale!r}: unknown (known: RdYlGn, RdBu, Viridis, Plasma, Magma, Blues, Reds, Greens)")
    cmap_name = _CMAPS[colorscale.lower()]
    go = _plotly()
    if go:
        from matplotlib import colormaps
        cm = colormaps[cmap_name]
        scale = [[i / 10, "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in cm(i / 10)[:3])] for i in range(11)]
        traces = [go.Heatmap(z=values, x=[_label(c) for c in xs], y=[_label(i) for i in ys], colorscale=scale, zmin=lo, zmax=hi,
                             texttemplate=f"%{{z:.{decimals}f}}", colorbar={"title": {"text": z}}, hoverongaps=False)]
        if n_dq:
            traces.append(go.Heatmap(z=np.where(dq, 1.0, np.nan), x=[_label(c) for c in xs], y=[_label(i) for i in ys], showscale=False,
                                     colorscale=[[0, DISQUALIFIED_COLOR], [1, DISQUALIFIED_COLOR]], zmin=0, zmax=1, name="disqualified",
                                     text=np.where(dq, "×", ""), texttemplate="%{text}", hoverongaps=False))
        fig = go.Figure(traces)
        fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, xaxis_type="category", yaxis_type="category", height=420)
        fig.show()
        return
    plt = _plt()
    from matplotlib.patches import Rectangle
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    cmap = plt.get_cmap(cmap_name).copy()
    cmap.set_bad("white")
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=lo, vmax=hi, aspect="auto", origin="lower")
    ax.set_xticks(range(len(xs)), [_label(c) for c in xs])
    ax.set_yticks(range(len(ys)), [_label(i) for i in ys])
    for i in range(len(ys)):
        for j in range(len(xs)):
            v = values[i, j]
            if dq[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=DISQUALIFIED_COLOR, edgecolor="#777777", hatch="//", linewidth=0))
                ax.text(j, i, "×", ha="center", va="center", fontsize=9, color="#555555")
            elif v == v:
                r, g, b, _ = cmap((v - lo) / (hi - lo))
                ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"
                ax.text(j, i, f"{v:.{decimals}f}", ha="center", va="center", fontsize=8, color=ink)
    if finite.size:  # no scale to show when every cell is disqualified (as in the TypeScript chart)
        fig.colorbar(im, ax=ax, label=z)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title, fontsize=10)
    plt.show()


def scatter(df, x, y, text=None, title=None):
    title = title or f"{y} vs {x}"
    go = _plotly()
    if go:
        fig = go.Figure(go.Scatter(x=df[x], y=df[y], mode="markers", text=df[text] if text else None, marker={"size": 8, "opacity": 0.7}))
        fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=400)
        fig.show()
        return
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    ax.scatter(df[x], df[y], alpha=0.7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    plt.show()


def bar(df, x, y, title=None, ytitle=None):
    ys = [y] if isinstance(y, str) else list(y)
    title = title or f"{', '.join(ys)} by {x}"
    labels = [str(v) for v in df[x]]
    go = _plotly()
    if go:
        fig = go.Figure([go.Bar(name=c, x=labels, y=df[c]) for c in ys])
        fig.update_layout(title=title, barmode="group", xaxis_title=x, yaxis_title=ytitle or ", ".join(ys), xaxis_type="category", height=380)
        fig.show()
        return
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    width = 0.8 / len(ys)
    for k, c in enumerate(ys):
        ax.bar([i + k * width for i in range(len(labels))], df[c], width=width, label=c)
    ax.set_xticks([i + width * (len(ys) - 1) / 2 for i in range(len(labels))], labels, rotation=30 if len(labels) > 8 else 0)
    ax.set_xlabel(x)
    ax.set_ylabel(ytitle or ", ".join(ys))
    ax.set_title(title)
    if len(ys) > 1:
        ax.legend()
    plt.show()


def lines(series, title="", ytitle="", fill=False):
    """series: {name: (t epoch ms, values)} drawn against time."""
    go = _plotly()
    if go:
        fig = go.Figure([go.Scatter(x=pd.to_datetime(pd.Series(t), unit="ms"), y=v, name=n, mode="lines", fill="tozeroy" if fill else None) for n, (t, v) in series.items()])
        fig.update_layout(title=title, yaxis_title=ytitle, height=380, hovermode="x unified")
        fig.show()
        return
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 4))
    for k, (n, (t, v)) in enumerate(series.items()):
        when = pd.to_datetime(pd.Series(t), unit="ms")
        ax.plot(when, v, label=n, linewidth=1.6 if k == 0 else 1.1, linestyle="-" if k == 0 else ":")
        if fill:
            ax.fill_between(when, v, 0, alpha=0.3)
    ax.set_title(title)
    ax.set_ylabel(ytitle)
    ax.grid(True, alpha=0.3)
    if len(series) > 1:
        ax.legend()
    plt.show()


def histogram(df, column, title=None, bins=30):
    title = title or column
    values = df[column].dropna()
    go = _plotly()
    if go:
        fig = go.Figure(go.Histogram(x=values, nbinsx=bins))
        fig.update_layout(title=title, xaxis_title=column, yaxis_title="count", height=340)
        fig.show()
        return
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    ax.hist(values, bins=bins)
    ax.set_xlabel(column)
    ax.set_ylabel("count")
    ax.set_title(title)
    plt.show()


# ---- export ---------------------------------------------------------------------------------

def plain(obj):
    """JSON-safe copy: numpy scalars to Python numbers, NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        try:
            obj = obj.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json_atomic(path, obj):
    """Write JSON to a temp file in the same folder, then rename it over `path`."""
    path = os.path.abspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(plain(obj), f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path
