# Pause-time distribution: for each collector, the fraction of pauses no longer than x.
# Data: DATA.pauses.COLLECTOR.dat, columns: pause (ms), cumulative fraction.
load style
set title sprintf("%s: pause-time distribution (%s)", wl, heaplabel)
set xlabel "pause time (ms, log scale)"
set ylabel "fraction of pauses ≤ x"
set logscale x
set format x "10^{%L}"
set yrange [0:1.02]
set key bottom right
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  plot for [i=1:words(collectors)] data.".pauses.".word(collectors, i).".dat" using 1:2 with steps lt ltof(word(collectors, i)) title word(collectors, i)
}
