# Linear scaling of marksweep (docs/performance.md): GC pause time per collection per live MiB
# against the live heap size. Points: one per run; solid line: the median per size; dotted line:
# the median scaled by each run's CPU share (an estimate of CPU time on a shared machine); dashed
# line: the target's bound, 1.5 times the smallest median.
# Called by gclab-bench scaling as
#   gnuplot -e "data='DIR/scaling'; out='DIR/scaling'; bound=VALUE; collectors='marksweep'; \
#               style='SRC/plots/style.gp'" bench/scaling.gp
# Data: DATA.runs.dat (live MiB, ns per live MiB, mean pause ms, collections, peak RSS MiB, CPU
#       share) and DATA.median.dat (live MiB, median ns per live MiB, median scaled by the CPU
#       share). Writes OUT.pdf, OUT.svg and OUT.png.
load style
set title "marksweep on cache: GC time per collection per live MiB"
set xlabel "live heap (MiB, log scale)"
set ylabel "pause time per live MiB (µs)"
set logscale x
set xrange [5:2000]
set yrange [0:*]
set key top left
set offsets graph 0, graph 0, graph 0.35, 0
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  plot data.".runs.dat" using 1:($2/1000) with points lt 1 pt 6 title "one run (wall clock)", \
       data.".median.dat" using 1:($2/1000) with linespoints lt 1 title "median (wall clock)", \
       data.".median.dat" using 1:($3/1000) with linespoints lt 3 dt 3 title "median × CPU share", \
       bound/1000 with lines lt 2 lw 1 title "target bound: 1.5 × smallest median"
}
