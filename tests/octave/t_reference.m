% SPDX-License-Identifier: GPL-3.0-or-later

% Checks of the two reference solvers of the benchmark (bench/): the Octave
% FISTA (fista_reference), the CVXOPT interior-point solver
% (cvxopt_reference + cvxopt_solve.py) and the Octave certificate
% (reference_certify), against the balanced closed form of docs/theory.md
% section 3, the minority-collapse threshold of section 5, the optimality
% condition for b, weak duality, and each other on imbalanced cases.

%!shared root, has_cvxopt
%! root = fileparts (fileparts (which ('nc_setup')));
%! addpath (fullfile (root, 'bench'));
%! has_cvxopt = system ('/usr/bin/python3 -c ''import cvxopt'' >/dev/null 2>&1') == 0;

% Balanced closed form: Zbar = alpha (I - 11'/K), b = 0, objective
% log(1 + (K-1) e^-alpha) + lZ sqrt(n) (K-1) alpha.
%!function [Z, F] = closed_form (K, nn, lZ)
%!  c = lZ * sqrt (nn);
%!  if (c * K >= 1)
%!    Z = zeros (K); F = log (K);
%!  else
%!    alpha = log ((1 - (K-1) * c) / c);
%!    Z = alpha * (eye (K) - ones (K) / K);
%!    F = log (1 + (K-1) * exp (-alpha)) + c * (K-1) * alpha;
%!  end
%!endfunction

%!test  % FISTA reaches the balanced closed form, for several K, n, lambda_b
%! for K = [2 3 5]
%!   for lb = [0.01 1]
%!     nn = 200; lZ = 0.3 / (K * sqrt (nn));
%!     [Zc, Fc] = closed_form (K, nn, lZ);
%!     [Z, b, info] = fista_reference (nn * ones (K, 1), lZ, lb, 'MaxIter', 5000);
%!     assert (Z, Zc, 1e-7 * norm (Zc, 'fro'));
%!     assert (b, zeros (K, 1), 1e-9);
%!     assert (info.objective, Fc, 1e-12);
%!     assert (info.dual <= Fc + 1e-14);
%!     assert (info.dual >= Fc - 1e-12);
%!   end
%! end

%!test  % above the zero threshold 1/(K sqrt(n)) FISTA returns exactly 0
%! K = 4; nn = 100; lZ = 1.1 / (K * sqrt (nn));
%! [Z, b, info] = fista_reference (nn * ones (K, 1), lZ, 0.01, 'MaxIter', 2000);
%! assert (all (Z(:) == 0));
%! assert (info.objective, log (K), 1e-14);

%!test  % the certificate of the exact closed-form point is tight
%! K = 6; nn = 50; lZ = 0.5 / (K * sqrt (nn));
%! [Zc, Fc] = closed_form (K, nn, lZ);
%! [F, D, theta] = reference_certify (nn * ones (K, 1), lZ, 0.01, Zc, zeros (K, 1));
%! assert (F, Fc, 1e-14);
%! assert (D, Fc, 1e-13);
%! assert (theta, 1, 1e-12);

%!test  % weak duality: the bound never exceeds the objective of any point
%! rand ('state', 3); randn ('state', 3);
%! n = [30 20 10 5 1]'; lZ = 0.02;
%! [~, ~, info] = fista_reference (n, lZ, 0.1, 'MaxIter', 20000);
%! for t = 1:20
%!   Z = 3 * randn (5); b = randn (5, 1);
%!   [F, D] = reference_certify (n, lZ, 0.1, Z, b);
%!   assert (D <= info.objective + 1e-14);
%!   assert (F >= info.objective - 1e-14);
%!   assert (D <= F);
%! end

%!test  % FISTA's optimum meets b = (I - P) n / (2 lb N) (docs/theory.md section 3)
%! n = [40 40 10 10]'; lZ = 0.01; lb = 0.05; N = sum (n);
%! [Z, b, info] = fista_reference (n, lZ, lb, 'MaxIter', 20000);
%! V = Z + b; P = exp (V - max (V)); P = P ./ sum (P);
%! assert (b, (eye (4) - P) * n / (2 * lb * N), 1e-8);
%! assert (sum (Z), zeros (1, 4), 1e-8);         % columns sum to 0
%! assert (info.objective - info.dual < 1e-12);

%!test  % minority collapse exactly at lZ = sqrt(n_B)/N (docs/theory.md section 5)
%! n = [40 40 10 10]'; thr = sqrt (10) / sum (n);
%! [Z, ~] = fista_reference (n, 0.9 * thr, 0.01, 'MaxIter', 50000);
%! assert (norm (Z(:, 3) - Z(:, 4)) > 1e-2);
%! [Z, ~] = fista_reference (n, 1.1 * thr, 0.01, 'MaxIter', 50000);
%! assert (norm (Z(:, 3) - Z(:, 4)) < 1e-7);
%! assert (norm (Z(:, 1) - Z(:, 2)) > 1e-2);      % the majority is intact

%!test  % CVXOPT reaches the balanced closed form
%! if (~ has_cvxopt) return; end
%! K = 3; nn = 100; lZ = 0.3 / (K * sqrt (nn));
%! [Zc, Fc] = closed_form (K, nn, lZ);
%! [Z, b, info] = cvxopt_reference (nn * ones (K, 1), lZ, 0.01, 'Tol', 1e-10, 'MaxTime', 60);
%! assert (info.status, 'optimal');
%! assert (info.objective, Fc, 1e-9);
%! assert (Z, Zc, 1e-4);
%! assert (b, zeros (K, 1), 1e-6);

%!test  % CVXOPT and FISTA agree on imbalanced cases, each within the other's bound
%! if (~ has_cvxopt) return; end
%! cases = {[40 40 10 10], 0.01, 0.01; [500 300 100 100 20], 0.003, 0.1};
%! for i = 1:rows (cases)
%!   [n, lZ, lb] = cases{i, :};
%!   [Zf, bf, fi] = fista_reference (n, lZ, lb, 'MaxIter', 50000);
%!   [Zc, bc, ci] = cvxopt_reference (n, lZ, lb, 'Tol', 1e-10, 'MaxTime', 60);
%!   assert (ci.status, 'optimal');
%!   [~, Dc] = reference_certify (n, lZ, lb, Zc, bc);
%!   assert (fi.objective >= max (fi.dual, Dc) - 1e-14);
%!   assert (ci.objective >= max (fi.dual, Dc) - 1e-14);
%!   assert (ci.objective - fi.dual < 1e-8);
%!   assert (fi.objective - fi.dual < 1e-11);
%!   assert (Zc, Zf, 1e-4 * norm (Zf, 'fro'));
%!   assert (bc, bf, 1e-5);
%! end

%!error <unknown option> fista_reference ([1 2], 0.1, 0.1, 'Nope', 1)
%!error <unknown option> cvxopt_reference ([1 2], 0.1, 0.1, 'Nope', 1)
