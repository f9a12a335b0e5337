## -*- texinfo -*-
## @deftypefn {} {@var{s} =} nc_fig_ufm_text (@var{T})
## How the UFM of settings @var{T} (see nc_fig_ufm) was trained, for titles
## and the report.
## @end deftypefn
function s = nc_fig_ufm_text (T)
  s = sprintf ("d = %d, gradient descent to tolerance %g (at most %d steps)", ...
               T.d, T.tol, T.maxiter);
endfunction
