# Pause timeline: when each pause happened and how long it took, for one representative run per
# collector. Data: DATA.timeline.COLLECTOR.dat, columns: start (s from the heap's creation), pause (ms).
load style
set title sprintf("%s: pauses over time (%s)", wl, heaplabel)
set xlabel "time since the start of the run (s)"
set ylabel "pause time (ms, log scale)"
set logscale y
set format y "10^{%L}"
set key top right
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  plot for [i=1:words(collectors)] data.".timeline.".word(collectors, i).".dat" using 1:2 with points lt ltof(word(collectors, i)) ps 0.35 title word(collectors, i)
}
