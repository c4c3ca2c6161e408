"""ConvLab measured and driven from outside: the benchmark, the load test, and the live server and browser helpers the tests share."""
