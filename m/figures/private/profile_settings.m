% SPDX-License-Identifier: GPL-3.0-or-later

function P = profile_settings (name, out)
%PROFILE_SETTINGS  Settings of the figure scripts for profile NAME: 'smoke'
%   P = PROFILE_SETTINGS(NAME, OUT)
%
%   (toy sizes, every script runs, under 2 minutes in total; part of
%   make check), 'quick' (at most 15 minutes on 2 cores) or
%   'full' (the paper's sample sizes for Figures 1-4, longer training;
%   expected 3 to 4 hours on 2 cores, extrapolated from the quick profile's
%   unit times: the two MLPs about 1.8 h, the UFMs of Figures 1-4 about
%   30 min, Figures 5-8 about 12 min, Figure 9's trained points about
%   35 min; not yet run end to end).  OUT is the output folder; cached units
%   go to OUT/cache.
%
%   Fields: profile, out, cache, seed, tol (nc_solve tolerance), lb,
%   verbose (progress lines; nc_figures' option Verbose);
%   grid (how many points of each paper grid are used: all, or a subset
%   keeping the first, the last and the points next to the threshold);
%   ufm (the trained UFM of Figures 5-9: d, maxiter, tol of nc_ufm_train,
%   history points); data (scale of the Dataset_1/2 subsets, MLP hidden
%   widths and epochs, and data.ufm: the UFM trained at the same lambdas for
%   Figures 1-4); fig9 (n_A values) and
%   fig9_train (those where the UFM is trained too);
%   phase (grid size); weight (relative cost of each figure, for the
%   time-left estimate of nc_figures).
%
%   See also: nc_figures
  if (nargin ~= 2 || ~ ischar (name) || ~ ischar (out))
    error ('ncufm:badArgCount', 'profile_settings: needs a profile name and an output folder');
  end
  P.profile = lower (name);
  P.out = out;
  P.cache = fullfile (out, 'cache');
  P.seed = 1;
  P.lb = 0.01;
  P.verbose = true;
  % Relative cost of each figure (measured on 2 shared cores), from which
  % nc_figures extrapolates the time left.
  cost = @(f1, f24, f58, f9, ph) struct ('fig1', f1, 'fig2', f24, 'fig3', f24, 'fig4', f24, ...
                                         'fig5', f58, 'fig6', f58, 'fig7', f58, 'fig8', f58, ...
                                         'fig9', f9, 'phase', ph);
  switch (P.profile)
    case 'smoke'
      P.tol = 1e-9;
      P.grid = 4;                 % points kept from each 10-point paper grid
      P.ufm = struct ('d', 16, 'maxiter', 200, 'tol', 1e-6, 'points', 0);
      P.data = struct ('scale', 1/100, 'hidden', 32, 'epochs', 3);
      P.data.ufm = struct ('d', 16, 'maxiter', 200, 'tol', 1e-6, 'points', 20);
      P.fig9 = [500 3000 5500];
      P.fig9_train = 500;
      P.phase = [10 10];
      P.weight = cost (3, 1, 2, 1, 1);
    case 'quick'
      P.tol = 1e-10;
      P.grid = 10;
      P.ufm = struct ('d', 16, 'maxiter', 20000, 'tol', 1e-6, 'points', 0);
      P.data = struct ('scale', 1/10, 'hidden', [256 128], 'epochs', 50);
      P.data.ufm = struct ('d', 32, 'maxiter', 20000, 'tol', 1e-6, 'points', 100);
      P.fig9 = 500:500:5500;
      P.fig9_train = 500;
      P.phase = [41 41];
      P.weight = cost (40, 1, 12, 10, 1);
    case 'full'
      P.tol = 1e-11;
      P.grid = 10;
      P.ufm = struct ('d', 32, 'maxiter', 200000, 'tol', 1e-8, 'points', 0);
      P.data = struct ('scale', 1, 'hidden', [512 256], 'epochs', 150);
      P.data.ufm = struct ('d', 32, 'maxiter', 100000, 'tol', 1e-8, 'points', 200);
      P.fig9 = 500:500:5500;
      P.fig9_train = [500 1500];
      P.phase = [81 81];
      P.weight = cost (300, 1, 40, 60, 2);
    otherwise
      error ('ncufm:badProfile', ...
             'profile_settings: PROFILE must be "smoke", "quick" or "full", not "%s"', name);
  end
end

%!test
%! P = profile_settings ('Smoke', 'x');
%! assert (P.profile, 'smoke'); assert (P.cache, fullfile ('x', 'cache'));
%!error <profile_settings: PROFILE> profile_settings ('huge', 'x')
