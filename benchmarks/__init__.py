"""The scale benchmark: how Mentorscope's cost grows with data, against DuckDB's
own CSV reader (the floor) and a plain pandas notebook (the alternative).

`python -m benchmarks` (or `make bench`) writes benchmarks/RESULTS.md.
"""
