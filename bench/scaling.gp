# Linear scaling (docs/performance.md): GC pause time per collection per live MiB against the
# live heap size, one colour per curve, a curve being one workload (cache: a randomly laid-out
# heap; trees: a heap in allocation order) on one collector (marksweep, semispace, ...). Open
# points: one per run; solid line with filled points: the median per size; dashed line of the
# same colour: that curve's target bound (its collector's target times its smallest median), for
# a collector that has a target. (The medians scaled by the CPU share are in the table and the
# median files, column 3; drawn too, they made the figure unreadable.)
# Called by gclab-bench scaling as
#   gnuplot -e "data='DIR/scaling'; out='DIR/scaling'; series='cache-marksweep trees-marksweep'; \
#               bounds='BOUND1 BOUND2'; allseries='cache-marksweep trees-marksweep'; \
#               collectors='marksweep'; style='SRC/plots/style.gp'" bench/scaling.gp
# Data, per curve S (WORKLOAD-COLLECTOR) of `series`: DATA-S.runs.dat (live MiB, ns per live MiB,
#       median pause ms, collections, peak RSS MiB, CPU share) and DATA-S.median.dat (live MiB,
#       median ns per live MiB, median scaled by the CPU share); `bounds` holds the bound of each,
#       in the same order, in ns per live MiB, 0 for none. Writes OUT.pdf, OUT.svg and OUT.png.
load style
set title "GC time per collection per live MiB"
set xlabel "live heap (MiB, log scale)"
set ylabel "pause time per live MiB (µs)"
set logscale x
# The x range: from half the smallest live size measured to twice the largest (log scale), so
# that no point sits on a border whatever --sizes asked for.
xlo = 1e30; xhi = 0
do for [i=1:words(series)] {
  stats data."-".word(series, i).".runs.dat" using 1 nooutput
  xlo = STATS_min < xlo ? STATS_min : xlo
  xhi = STATS_max > xhi ? STATS_max : xhi
}
set xrange [xlo/2:xhi*2]
set yrange [0:*]
set key top left vertical maxrows 3 reverse Left
set offsets graph 0, graph 0, graph 0.3, 0
n = words(series)
# A curve keeps its colour and points whichever curves have data: those of its place in
# `allseries` (every curve asked for; `series` when not given).
if (!exists("allseries")) allseries = series
place(s) = sum [k=1:words(allseries)] (word(allseries, k) eq s ? k : 0)
run_pt(i) = (i - 1) % 3 == 0 ? 6 : (i - 1) % 3 == 1 ? 4 : 8    # open circle, open square, open triangle
median_pt(i) = run_pt(i) + 1                                    # the same, filled
# The plot command is built per curve, so that the key lists each curve's entries together, one
# key column per curve (`plot for` would group them by kind instead).
cmd = "plot "
do for [i=1:n] {
  s = word(series, i)
  file = data."-".s
  k = place(s)
  b = word(bounds, i) + 0
  cmd = cmd.sprintf("'%s.runs.dat' using 1:($2/1000) with points lc %d pt %d title '%s: one run', ", \
                    file, k, run_pt(k), s)
  cmd = cmd.sprintf("'%s.median.dat' using 1:($2/1000) with linespoints lc %d dt 1 lw 2 pt %d title '%s: median'", \
                    file, k, median_pt(k), s)
  if (b > 0) {
    cmd = cmd.sprintf(", %g/1000.0 with lines lc %d dt 2 lw 1 title '%s: bound'", b, k, s)
  }
  cmd = cmd.(i < n ? ", " : "")
}
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  eval cmd
}
