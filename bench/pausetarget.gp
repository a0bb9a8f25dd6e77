# incremental on GCBench against its pause_target (issue 13; docs/performance.md): left, the
# median longest pause; right, the median total time; one line per barrier, marksweep's median as
# the reference (flat: it has no pause target). Log x. Called by gclab-bench pausetarget as
#   gnuplot -e "data='DIR/pausetarget'; out='DIR/pausetarget'; collectors='satb insertion marksweep'; style='SRC/plots/style.gp'" bench/pausetarget.gp
# Data: DATA-S.median.dat (pause_target ms, median longest pause ms, median wall ms) for S in
# satb, insertion, marksweep. Writes OUT.pdf, OUT.svg and OUT.png.
load style
set logscale x
set xlabel "pause\\_target (ms, log scale)"
set key top left
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  set multiplot layout 1,2
  set title "longest pause"
  set ylabel "ms"
  set yrange [0:*]
  plot data."-satb.median.dat" using 1:2 with linespoints lt 1 title "incremental, satb", \
       data."-insertion.median.dat" using 1:2 with linespoints lt 2 title "incremental, insertion", \
       data."-marksweep.median.dat" using 1:2 with lines lt 7 dt 2 title "marksweep", \
       x with lines lt 3 dt 3 title "the target"
  set title "total time"
  set ylabel "ms"
  set yrange [0:*]
  plot data."-satb.median.dat" using 1:3 with linespoints lt 1 title "incremental, satb", \
       data."-insertion.median.dat" using 1:3 with linespoints lt 2 title "incremental, insertion", \
       data."-marksweep.median.dat" using 1:3 with lines lt 7 dt 2 title "marksweep"
  unset multiplot
}
