## -*- texinfo -*-
## @deftypefn {} {@var{R} =} nc_fig4 (@var{P})
## Figure 4: the final trained Zbar (MLP, UFM) beside the exact optimum
## Zbar* of @code{nc_solve} at the same lambdas and class counts, each
## min-max standardised, for both datasets.  Writes fig4.png and fig4.svg;
## returns the report entry.
## @seealso{nc_figures, nc_fig_data}
## @end deftypefn
function R = nc_fig4 (P)
  t0 = tic ();
  D = {nc_fig_data(P, 1), nc_fig_data(P, 2)};
  mats = {D{1}.mlp.Zbar, D{1}.ufm.Zbar, D{1}.Zs; D{2}.mlp.Zbar, D{2}.ufm.Zbar, D{2}.Zs};
  files = nc_fig_heatmaps (P, "fig4", ...
                           {"Figure 4: final Zbar beside the exact optimum Zbar*", ...
                            sprintf("min-max standardised; \\lambda_Z = %.3g, \\lambda_b = %g", ...
                                    D{1}.lZ, P.lb)}, ...
                           mats, {"Dataset 1", "Dataset 2"}, ...
                           {"MLP", "UFM", "Zbar* (nc solve)"; "", "", ""}, {D{1}.k, D{2}.k});
  R = nc_fig_entry (P, D, "fig4", "Figure 4", files, t0);
  R.description = ["Min-max standardised final Zbar of the MLP and the UFM beside the exact " ...
                   "optimum Zbar* at the same lambdas and class counts."];
  for i = 1:2
    R.numbers{end+1} = sprintf (["Dataset_%d: relative Frobenius distance to Zbar* after min-max " ...
                                 "standardisation: MLP %.3g, UFM %.3g"], i, R.minmax(i,1), R.minmax(i,2));
  endfor
endfunction
