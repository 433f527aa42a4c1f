# Renders the demo's CSVs into the PNGs of docs/figures (README, docs/analysis.md). Called by
# examples/cope_demo as: gnuplot -c docs/figures/figures.gp DIR (the directory arrives as ARG1, a string
# gnuplot never parses as commands).
dir = ARGC >= 1 ? ARG1 : "docs/figures"
set datafile separator ","
set terminal pngcairo size 900,560 enhanced font "DejaVu Sans,11" linewidth 1.4
set key autotitle columnhead
set grid lc rgb "#dddddd"
rope = "#1f77b4"; hard = "#d62728"; cope = "#2ca02c"

# ---- Fig. 2b: the spectrum against pair index, with the clipping onset ----
stats dir."/spectrum.csv" using 5 nooutput
onset = STATS_min
stats dir."/spectrum.csv" using ($4 > 0 ? $4 : NaN) nooutput
floor = STATS_min / 10.0   # zero frequencies (NoPE pairs) cannot sit on a log axis: drawn on this line
set output dir."/spectrum.png"
set title "Spectrum: inv\\_freq per pair (paper Fig. 2b)"
set xlabel "pair index j"
set ylabel "inv\\_freq (rad / token)"
set logscale y
set format y "10^{%L}"
set xrange [-1:STATS_records]
set yrange [floor/2:2]
set arrow 1 from onset, graph 0 to onset, graph 1 nohead dt 2 lc rgb "black"
set label 1 sprintf("clipping onset (pair %d)", onset) at onset, graph 0.5 offset -0.5,0 right
set key bottom left
plot dir."/spectrum.csv" using 1:2 with linespoints pt 7 ps 0.5 lc rgb rope title "RoPE", \
     ""                  using 1:($3 > 0 ? $3 : floor) with linespoints pt 7 ps 0.5 lc rgb hard title "HardClip", \
     ""                  using 1:($4 > 0 ? $4 : floor) with linespoints pt 7 ps 0.5 lc rgb cope title "CoPE", \
     floor with lines dt 3 lc rgb "gray" title "0 (NoPE), drawn at this line"
unset arrow 1; unset label 1; unset logscale y; set format y "%g"; set autoscale xy

# ---- Fig. 3: semantic decay ----
set output dir."/semantic_decay.png"
set title "Semantic decay S(t) = (1/N) {/Symbol S}_j cos(t w_j) (paper Thm 3.2, Fig. 3)"
set xlabel "relative distance t (tokens)"
set ylabel "S(t)"
set xrange [0:30000]
set key top right
plot dir."/semantic_decay.csv" using 1:3 with lines lw 0.4 lc rgb "#f4a6a6" title "HardClip", \
     ""                        using 1:2 with lines lw 0.5 lc rgb rope title "RoPE", \
     ""                        using 1:4 with lines lw 0.5 lc rgb cope title "CoPE", \
     dir."/semantic_decay_monte_carlo.csv" using 1:2:(4*$3) with yerrorbars pt 7 ps 1.3 lw 2 lc rgb "#0b3c61" title "RoPE, Monte-Carlo (± 4 SE)", \
     ""                                    using 1:4:(4*$5) with yerrorbars pt 5 ps 1.3 lw 2 lc rgb "#145214" title "CoPE, Monte-Carlo (± 4 SE)"
set autoscale x

# ---- Fig. 4, implementation view: the attention signal over 0..500 ----
set output dir."/attention_signal.png"
set title "Attention signal A(t) = (1/N) {/Symbol S}_j cos(t inv\\_freq_j), implementation view (paper Fig. 4 axes)"
set xlabel "relative distance t (tokens)"
set ylabel "A(t)"
set xrange [0:500]
plot dir."/attention_signal.csv" using 1:2 with lines lc rgb rope title "RoPE", \
     ""                          using 1:3 with lines lc rgb hard title "HardClip", \
     ""                          using 1:4 with lines lc rgb cope title "CoPE"
set autoscale x

# ---- Fig. 4, theorem view: leakage kernels and their envelope slopes ----
stats dir."/leakage_envelope_hardclip.csv" using 4 nooutput
slope_hard = STATS_min
stats dir."/leakage_envelope_cope.csv" using 4 nooutput
slope_cope = STATS_min
set output dir."/leakage_kernel.png"
set title "Leakage kernel |k(t)| of each clipping filter (paper Thm 4.1, amplitude view)"
set xlabel "t (tokens)"
set ylabel "|k(t)|"
set logscale xy
set format x "10^{%L}"; set format y "10^{%L}"
set key bottom left
plot dir."/leakage_kernel.csv" using 1:2 with lines lw 0.6 lc rgb "#f4a6a6" title "HardClip", \
     ""                        using 1:3 with lines lw 0.6 lc rgb "#a6dba0" title "CoPE taper", \
     dir."/leakage_envelope_hardclip.csv" using 1:2 with points pt 7 lc rgb hard title "HardClip envelope", \
     ""                                   using 1:3 with lines lw 2 lc rgb hard title sprintf("fit: slope %.2f", slope_hard), \
     dir."/leakage_envelope_cope.csv"     using 1:2 with points pt 7 lc rgb cope title "CoPE envelope", \
     ""                                   using 1:3 with lines lw 2 lc rgb cope title sprintf("fit: slope %.2f", slope_cope)
unset logscale xy; set format x "%g"; set format y "%g"

# ---- Thm 4.1 (b): the error term on a smooth continuum test spectrum ----
stats dir."/leakage_error.csv" using 4 nooutput
ring_hard = STATS_min
stats dir."/leakage_error.csv" using 5 nooutput
ring_cope = STATS_min
set output dir."/leakage_error.png"
set title "Error term E(t) = filtered - unfiltered, on a smooth test spectrum (Thm 4.1, amplitude view)"
set xlabel "relative distance t (tokens)"
set ylabel "E(t)"
set key bottom right
plot dir."/leakage_error.csv" using 1:2 with lines lc rgb hard title sprintf("HardClip (ringing %.2f)", ring_hard), \
     ""                       using 1:3 with lines lc rgb cope title sprintf("CoPE (ringing %.2f)", ring_cope)

# ---- multi-axis RoPE: the axis each rotary pair reads, per model family (docs/kernels.md) ----
set output dir."/axis_maps.png"
set terminal pngcairo size 1100,520 enhanced font "DejaVu Sans,11" linewidth 1.4
set title "Multi-axis RoPE: the position axis each rotary pair reads (pair 0 = highest frequency)"
set xlabel "rotary pair j"
unset ylabel
set xrange [-1:64]
set yrange [6.6:-0.6]
set ytics ("Qwen2-VL, Qwen2.5-VL  [16,24,24]" 0, "Qwen3-VL  interleaved [24,20,20]" 1, \
           "Qwen3.5  interleaved [11,11,10]" 2, "GLM-4V  [8,12,12]" 3, "ERNIE-4.5-VL  (t: lowest 20)" 4, \
           "HoPE  (lowest 16: identity)" 5, "XD-RoPE  4 sections" 6)
set grid noytics
set key outside bottom center horizontal
plot dir."/axis_maps.csv" using 2:($3 == 0 ? $1 : NaN) with points pt 5 ps 1.6 lc rgb "#1f77b4" title "t", \
     ""                   using 2:($3 == 1 ? $1 : NaN) with points pt 5 ps 1.6 lc rgb "#ff7f0e" title "h", \
     ""                   using 2:($3 == 2 ? $1 : NaN) with points pt 5 ps 1.6 lc rgb "#2ca02c" title "w", \
     ""                   using 2:($3 == 3 ? $1 : NaN) with points pt 5 ps 1.6 lc rgb "#9467bd" title "4th axis", \
     ""                   using 2:($3 == -1 ? $1 : NaN) with points pt 4 ps 1.4 lc rgb "#7f7f7f" title "identity (no rotation)"
