# gen against marksweep on `cache` as the rate of old-to-young stores grows (issue 12;
# docs/performance.md): wall time per run against store_rate, one colour per collector. Open
# points: one per run; line with filled points: the median per rate. The rates are categories
# (0 cannot sit on a log axis), in the order measured.
# Called by gclab-bench storerate as
#   gnuplot -e "data='DIR/storerate'; out='DIR/storerate'; collectors='marksweep gen'; style='SRC/plots/style.gp'" bench/storerate.gp
# Data: DATA-COLLECTOR.runs.dat (rate index, store_rate, wall ms) and DATA-COLLECTOR.median.dat
# (rate index, store_rate, median wall ms). Writes OUT.pdf, OUT.svg and OUT.png.
load style
set title "cache: time against the rate of old-to-young stores"
set xlabel "store\\_rate (probability that a new value is stored into the long-lived cache)"
set ylabel "wall time (ms)"
set offsets 0.3, 0.3, graph 0.3, 0
n = words(collectors)
cmd = "plot "
do for [i=1:n] {
  c = word(collectors, i)
  file = data."-".c
  cmd = cmd.sprintf("'%s.runs.dat' using 1:3 with points lc %d pt 6 notitle, ", file, i)
  cmd = cmd.sprintf("'%s.median.dat' using 1:3:xtic(2) with linespoints lc %d lw 2 pt 7 title '%s: median'", file, i, c)
  cmd = cmd.(i < n ? ", " : "")
}
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  eval cmd
}
