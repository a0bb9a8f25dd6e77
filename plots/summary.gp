# Summary bars per collector: GC time share, maximum pause, peak heap in use, leaked bytes
# (medians over invocations). Data: DATA.summary.dat, columns: collector, GC share (%),
# max pause (ms), peak heap (MiB), leaked (MiB).
load style
set style fill solid 0.85 border -1
set boxwidth 0.6
set yrange [0:*]
set xtics rotate by -30
unset key
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  set multiplot layout 2,2 title sprintf("%s: summary (%s)", wl, heaplabel)
  set ylabel "GC time share (%)"
  plot data.".summary.dat" using 0:2:(ltof(strcol(1))):xtic(1) with boxes lc variable
  set ylabel "max pause (ms)"
  plot data.".summary.dat" using 0:3:(ltof(strcol(1))):xtic(1) with boxes lc variable
  set ylabel "peak heap in use (MiB)"
  plot data.".summary.dat" using 0:4:(ltof(strcol(1))):xtic(1) with boxes lc variable
  set ylabel "leaked (MiB)"
  plot data.".summary.dat" using 0:5:(ltof(strcol(1))):xtic(1) with boxes lc variable
  unset multiplot
}
