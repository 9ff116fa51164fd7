"""Times backtesting.py on the run the engine benchmark times, the same way: the Backtest is built once,
then run() is timed in blocks and the best block's mean per run is reported (ms), so the two figures
divide like for like. Prints one JSON object. Needs a backtesting.py checkout on PYTHONPATH (never
vendored), Debian's pandas, and a bokeh stub (backtesting.py imports bokeh when it loads).

    PYTHONPATH=STUB:CHECKOUT /usr/bin/python3 bench/backtesting_py.py GOOG.csv [blocks] [runs_per_block]
"""
import json
import sys
import time
import warnings

import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    fast = 10
    slow = 30

    def init(self):
        self.sma1 = self.I(sma, self.data.Close, self.fast)
        self.sma2 = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()


def main():
    path = sys.argv[1]
    blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    per_block = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    data = pd.read_csv(path, index_col=0, parse_dates=True)
    warnings.simplefilter('ignore')
    bt = Backtest(data, SmaCross, cash=10_000, commission=0, finalize_trades=True)
    stats = bt.run()  # warm-up, and the check that this is the peer run
    best = float('inf')
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(per_block):
            bt.run()
        best = min(best, (time.perf_counter() - t0) / per_block * 1000)
    import backtesting
    print(json.dumps({
        'ms': best,
        'trades': int(stats['# Trades']),
        'finalEquity': float(stats['Equity Final [$]']),
        'version': getattr(backtesting, '__version__', 'unknown'),
        'pandas': pd.__version__,
    }))


if __name__ == '__main__':
    main()
