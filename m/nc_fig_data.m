## -*- texinfo -*-
## @deftypefn {} {@var{D} =} nc_fig_data (@var{P}, @var{which})
## The training runs behind Figures 1-4 for Dataset_@var{which} (1 or 2) of
## paper.md section 7, scaled by @code{@var{P}.data.scale}: Dataset_1 has
## 4 classes of 5000, 3 of 4000 and 3 of 3000 samples; Dataset_2 4 of 5000,
## 2 of 3000 and 4 of 1000 (the smallest labels are the majority).
##
## At lambda_W = 1e-3, lambda_H = 1e-6 (lambda_Z = 2 sqrt(lW lH) = 6.3e-5)
## and lambda_b = @code{@var{P}.lb}:
## @itemize
## @item mlp: an MLP (@code{nc_mlp_train}) on the seeded Fashion-MNIST
## subset (@code{nc_fmnist}, @code{nc_subset}), per epoch NC1, Zbar, b;
## @item ufm: the UFM (@code{nc_ufm_train}) with the subset's class counts;
## @item Zs, bs: the exact convex optimum (@code{nc_solve}) at the same
## lambdas and counts.
## @end itemize
## Each of the three is a cached unit (the MLP also checkpoints every epoch,
## so an interrupted training resumes).  D also has counts, k (cluster
## sizes), lW, lH, lZ, and the relative errors of Zbar and b against
## (Zs, bs) per epoch, Frobenius (2-norm for b) and max norm:
## mlp.errZ, mlp.errZ_max, mlp.errb, mlp.errb_max, likewise ufm.
## @end deftypefn
function D = nc_fig_data (P, which)
  base = {[5000 5000 5000 5000 4000 4000 4000 3000 3000 3000], ...
          [5000 5000 5000 5000 3000 3000 1000 1000 1000 1000]};
  clusters = {[4 3 3], [4 2 4]};
  D.which = which;
  D.counts = max (round (base{which} * P.data.scale), 1);
  D.k = clusters{which};
  D.lW = 1e-3;
  D.lH = 1e-6;
  D.lZ = nc_lambda (D.lW, D.lH);
  D.lb = P.lb;
  tag = sprintf ("data%d", which);
  t0 = tic ();

  key = struct ("tag", "solve", "counts", D.counts, "lZ", D.lZ, "lb", P.lb, "tol", P.tol);
  S = nc_cache (P.cache, key, @() solve (D.counts, D.lZ, P.lb, P.tol));
  D.Zs = S.Zbar;
  D.bs = S.b;
  D.gap = S.gap;
  nc_fig_progress (P, tag, 1, 3, t0, "exact optimum (nc_solve)");

  D.ufm = nc_fig_ufm (P, D.counts, D.lW, D.lH, P.data.ufm);
  D.ufm = errors (D.ufm, D.Zs, D.bs);
  nc_fig_progress (P, tag, 2, 3, t0, "UFM trained (nc_ufm_train)");

  key = struct ("tag", "mlp", "dataset", which, "counts", D.counts, "hidden", P.data.hidden, ...
                "epochs", P.data.epochs, "lW", D.lW, "lH", D.lH, "lb", P.lb, "seed", P.seed);
  ckpt = [nc_cache(P.cache, key) ".ckpt"];
  D.mlp = nc_cache (P.cache, key, @() train_mlp (P, D, key, ckpt));
  D.mlp = errors (D.mlp, D.Zs, D.bs);
  nc_fig_progress (P, tag, 3, 3, t0, "MLP trained (nc_mlp_train)");
endfunction

function R = solve (counts, lZ, lb, tol)
  [R.Zbar, R.b, info] = nc_solve (counts, lZ, lb, "Tol", tol);
  R.gap = info.gap;
  R.time = info.time;
endfunction

function M = train_mlp (P, D, key, ckpt)
  persistent X y Xt yt;  # Fashion-MNIST is read once per session
  if (isempty (X))
    [X, y] = nc_fmnist ("train");
    [Xt, yt] = nc_fmnist ("test");
  endif
  idx = nc_subset (y, D.counts, P.seed);
  t0 = tic ();
  R = nc_mlp_train (X(:, idx), y(idx), "Hidden", P.data.hidden, "Epochs", P.data.epochs, ...
                    "LambdaW", D.lW, "LambdaH", D.lH, "LambdaB", D.lb, "Seed", P.seed, ...
                    "Checkpoint", ckpt, "TestX", Xt, "TestY", yt, "Verbose", P.verbose);
  if (R.interrupted)
    ## Never cache a partial run: the checkpoint lets the rerun resume.
    error ("ncufm:interrupted", "nc_fig_data: MLP training interrupted after %d epochs", ...
           R.epochs_done);
  endif
  M.time = toc (t0);
  M.resumed_from = R.resumed_from;
  h = R.history;
  M.epoch = h.epoch(:)';
  M.NC1 = h.nc1(:)';
  M.accuracy = h.accuracy(:)';
  M.test_accuracy = h.test_accuracy(:)';
  M.Zbar_hist = h.Zbar;
  M.b_hist = h.b;
  M.Zbar = h.Zbar(:,:,end);
  M.b = h.b(:,end);
  M.NC1_final = M.NC1(end);
  if (exist (ckpt, "file"))
    unlink (ckpt);  # the finished run is cached; the checkpoint is spent
  endif
endfunction

## Relative distance of every history entry of a run to (Zs, bs).
function R = errors (R, Zs, bs)
  T = size (R.Zbar_hist, 3);
  R.errZ = zeros (1, T); R.errZ_max = R.errZ; R.errb = R.errZ; R.errb_max = R.errZ;
  for t = 1:T
    E = nc_compare (R.Zbar_hist(:,:,t), Zs, R.b_hist(:,t), bs);
    R.errZ(t) = E.fro;
    R.errZ_max(t) = E.max;
    R.errb(t) = E.b;
    R.errb_max(t) = E.b_max;
  endfor
endfunction
