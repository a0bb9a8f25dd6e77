# Time against heap size, the classic figure of GC papers: total time (left) and GC time (right)
# per collector, medians with their confidence intervals as error bars.
# Data: DATA.heaps.dat, one block per collector (in the order of `collectors`), columns: heap
# (multiple of the minimum heap, or MiB), wall median, low, high (s), GC median, low, high (s).
load style
xl = multiple ? "heap size (multiple of the minimum heap)" : "heap limit (MiB)"
# room left and right, so that the error bars of the smallest and largest heap are not on the axes
set offsets graph 0.05, graph 0.05, 0, 0
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  set multiplot layout 1,2 title sprintf("%s: time against heap size", wl)
  set xlabel xl
  set ylabel "total time (s)"
  set yrange [0:*]
  set key top right
  plot for [i=1:words(collectors)] data.".heaps.dat" index (i-1) using 1:2:3:4 with yerrorlines lt ltof(word(collectors, i)) title word(collectors, i)
  set ylabel "GC time (s)"
  plot for [i=1:words(collectors)] data.".heaps.dat" index (i-1) using 1:5:6:7 with yerrorlines lt ltof(word(collectors, i)) title word(collectors, i)
  unset multiplot
}
