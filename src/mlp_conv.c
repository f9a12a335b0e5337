/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The optional convolutional front end: 3 x 3 convolution (zero padding 1,
 * stride 1) by im2col and SGEMM, optional batch normalisation per channel,
 * ReLU, 2 x 2 max pooling.  Maps are stored pixel by pixel with the
 * channels innermost, so that a layer's output is a (channels x pixels*B)
 * matrix and normalisation shares the dense layers' code. */
#include "lapack.h"
#include "mlp_net.h"

#include <string.h>

/* im2col for 3 x 3 filters with zero padding 1: column (pixel, sample) of
 * cols holds the 9 cin neighbourhood values, row ci*9 + ky*3 + kx. */
static void im2col(int cin, int h, int wd, int B, const float *in, float *cols)
{
    long R = 9L * cin, hw = (long)h * wd;
    for (long j = 0; j < hw * B; ++j) {
        long b = j / hw, pix = j % hw;
        int y = (int)(pix / wd), x = (int)(pix % wd);
        float *col = cols + j * R;
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                int yy = y + ky - 1, xx = x + kx - 1;
                int inside = yy >= 0 && yy < h && xx >= 0 && xx < wd;
                const float *src = in + cin * (b * hw + (long)yy * wd + xx);
                for (int ci = 0; ci < cin; ++ci)
                    col[ci * 9 + ky * 3 + kx] = inside ? src[ci] : 0.0f;
            }
    }
}

/* The adjoint of im2col: accumulates cols back into the image gradient. */
static void col2im(int cin, int h, int wd, int B, const float *cols, float *din)
{
    long R = 9L * cin, hw = (long)h * wd;
    memset(din, 0, (size_t)(cin * hw * B) * sizeof *din);
    for (long j = 0; j < hw * B; ++j) {
        long b = j / hw, pix = j % hw;
        int y = (int)(pix / wd), x = (int)(pix % wd);
        const float *col = cols + j * R;
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                int yy = y + ky - 1, xx = x + kx - 1;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd)
                    continue;
                float *dst = din + cin * (b * hw + (long)yy * wd + xx);
                for (int ci = 0; ci < cin; ++ci)
                    dst[ci] += col[ci * 9 + ky * 3 + kx];
            }
    }
}

/* 2 x 2 max pooling of act (co x h*wd per sample) into out; arg records
 * each maximum's position within its sample's map. */
static void pool(int co, int h, int wd, int B, const float *act, float *out, int *arg)
{
    int h2 = h / 2, w2 = wd / 2;
    long hw = (long)h * wd;
    for (long b = 0; b < B; ++b) {
        const float *a = act + co * b * hw;
        for (int py = 0; py < h2; ++py)
            for (int px = 0; px < w2; ++px) {
                long o = co * (b * h2 * w2 + (long)py * w2 + px);
                long i0 = (long)co * ((2L * py) * wd + 2 * px);
                long cand[4] = {i0, i0 + co, i0 + (long)co * wd, i0 + (long)co * (wd + 1)};
                for (int k = 0; k < co; ++k) {
                    long best = cand[0] + k;
                    for (int q = 1; q < 4; ++q)
                        if (a[cand[q] + k] > a[best])
                            best = cand[q] + k;
                    out[o + k] = a[best];
                    arg[o + k] = (int)best;
                }
            }
    }
}

void nct_conv_forward(const nc_mlp *m, mlp_work *w, int c, int B, int train, float *stats,
                      double bn_momentum, float *out)
{
    int cin = nct_conv_cin(m, c), co = m->conv_ch[c], h = m->img_h >> c, wd = m->img_w >> c;
    long n = nct_conv_pixels(m, c) * B;
    const float *P = m->params;
    int bn = m->batch_norm;
    float *Z = bn && train ? w->cxhat[c] : w->act[c];
    float *st = !bn ? NULL : train ? (stats ? stats + m->cs_off[c] : NULL)
                                   : m->stats + m->cs_off[c];
    im2col(cin, h, wd, B, w->cin[c], w->cols[c]);
    nc_sgemm('N', 'N', co, (int)n, 9 * cin, 1.0f, P + m->cw_off[c], co, w->cols[c], 9 * cin,
             0.0f, Z, co);
    nct_act_forward(m, co, n, bn, bn ? P + m->cg_off[c] : NULL, P + m->cb_off[c], 1, train,
                    w->cxhat[c], w->cinvstd[c], st, bn_momentum, w->acc, w->coef, w->act[c]);
    pool(co, h, wd, B, w->act[c], out, w->arg[c]);
}

void nct_conv_backward(const nc_mlp *m, mlp_work *w, int c, int B, const float *dpool,
                       float *grad, float *din)
{
    int cin = nct_conv_cin(m, c), co = m->conv_ch[c], h = m->img_h >> c, wd = m->img_w >> c;
    long hw = (long)h * wd, n = hw * B, per = co * hw / 4;
    const float *P = m->params;
    float *dact = w->dact;
    int bn = m->batch_norm;
    memset(dact, 0, (size_t)(co * n) * sizeof *dact);
    for (long b = 0; b < B; ++b)
        for (long i = 0; i < per; ++i)
            dact[b * co * hw + w->arg[c][b * per + i]] += dpool[b * per + i];
    nct_act_backward(m, co, n, bn, dact, w->act[c], w->cxhat[c], w->cinvstd[c],
                     bn ? P + m->cg_off[c] : NULL, 1, bn ? grad + m->cg_off[c] : NULL,
                     grad + m->cb_off[c], w->acc, w->coef);
    nc_sgemm('N', 'T', co, 9 * cin, (int)n, 1.0f, dact, co, w->cols[c], 9 * cin, 0.0f,
             grad + m->cw_off[c], co);
    if (c > 0) {
        nc_sgemm('T', 'N', 9 * cin, (int)n, co, 1.0f, P + m->cw_off[c], co, dact, co, 0.0f,
                 w->dcols, 9 * cin);
        col2im(cin, h, wd, B, w->dcols, din);
    }
}
