/* SPDX-License-Identifier: MIT */
/*
 * Address by time: the memory areas with the most faults, one band each (its extent split into
 * rows of addresses), against time, each cell coloured by how many faults it had. It shows what
 * a table cannot: a sequential sweep is a diagonal, random access is noise, a growing working
 * set a widening band, a fork's copy-on-write burst a column. One self-contained SVG; a cell's
 * title says its time, addresses, faults and major faults; a click on the legend colours by
 * the share of major faults instead.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define HEAT_CAP       (4u << 20) /* points kept; past it every other one goes */
#define BANDS	       8	  /* areas shown */
#define TBINS	       180
#define ABINS	       24
#define CELL_W	       5.0
#define CELL_H	       4.0
#define LEFT	       290.0
#define TOP	       70.0
#define BAND_GAP       10.0
#define BAND_H	       (ABINS * CELL_H)
#define PLOT_W	       (TBINS * CELL_W)
#define SVG_W	       (LEFT + PLOT_W + 40)
#define NAME_MAX_CHARS 42 /* what fits left of the bands */

int pft_rep_heat_add(struct pft_report *rep, const struct pft_fault *f, int64_t area)
{
	struct heat *h = &rep->heat;
	size_t i;

	if (area < 0) {
		h->outside++;
		return 0;
	}
	if (!h->stride)
		h->stride = 1;
	if (h->skip++ % h->stride)
		return 0;
	if (h->nr == HEAT_CAP) { /* a bound on memory: every other point goes */
		for (i = 0; i < h->nr / 2; i++)
			h->p[i] = h->p[2 * i];
		h->nr /= 2;
		h->stride *= 2;
	}
	if (pft_grow((void **)&h->p, &h->cap, h->nr + 1, sizeof(*h->p)) < 0)
		return -1;
	h->p[h->nr++] = (struct heat_point){f->ev->ts == PFT_NO_TS ? h->skip : f->ev->ts,
					    f->ev->address, f->has_latency ? f->latency_ns : 0,
					    (uint32_t)area, f->major == 1};
	return 0;
}

/* Yellow to dark red, by x in [0, 1] (ColorBrewer's YlOrRd). */
static void ramp(double x, char *buf, size_t size)
{
	static const int stops[][3] = {
	    {255, 255, 204}, {254, 217, 118}, {253, 141, 60}, {227, 26, 28}, {128, 0, 38}};
	double at = x * 4;
	int i = (int)at > 3 ? 3 : (int)at, c[3], k;

	for (k = 0; k < 3; k++)
		c[k] = (int)(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * (at - i));
	snprintf(buf, size, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* Pale blue (all minor) to red (all major). */
static void major_ramp(double share, char *buf, size_t size)
{
	snprintf(buf, size, "#%02x%02x%02x", (int)(200 + 50 * share), (int)(220 - 190 * share),
		 (int)(245 - 215 * share));
}

struct heatmap {
	const struct pft_report *rep;
	uint32_t bands[BANDS]; /* area row of each band */
	int nr_bands;
	uint64_t t0, t1;
	uint32_t (*count)[ABINS][TBINS];
	uint32_t (*major)[ABINS][TBINS];
	uint64_t (*ns)[ABINS][TBINS]; /* the latencies' sum (--weight ns) */
	uint64_t shown, max_cell;     /* the largest cell: faults, or ns with --weight ns */
};

static int by_faults(const void *a, const void *b, void *data)
{
	const struct pft_report *rep = data;
	uint64_t x = rep->vmas.rows[*(const uint32_t *)a].c.faults,
		 y = rep->vmas.rows[*(const uint32_t *)b].c.faults;

	return x > y ? -1 : x < y;
}

/* The areas with the most faults. */
static int pick_bands(struct heatmap *hm)
{
	const struct table *t = &hm->rep->vmas;
	uint32_t *order = malloc((t->nr ? t->nr : 1) * sizeof(*order));
	size_t i;

	if (!order)
		return -1;
	for (i = 0; i < t->nr; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, t->nr, sizeof(*order), by_faults, (void *)hm->rep);
	for (i = 0; i < t->nr && i < BANDS; i++)
		hm->bands[hm->nr_bands++] = order[i];
	free(order);
	return 0;
}

static int band_of(const struct heatmap *hm, uint32_t area)
{
	int b;

	for (b = 0; b < hm->nr_bands; b++)
		if (hm->bands[b] == area)
			return b;
	return -1;
}

/* What a cell's colour says: its faults, or with --weight ns their latencies' sum. */
static uint64_t cell(const struct heatmap *hm, int b, int ab, int tb)
{
	return hm->rep->opts.weight_ns ? hm->ns[b][ab][tb] : hm->count[b][ab][tb];
}

static void bin(struct heatmap *hm)
{
	const struct heat *h = &hm->rep->heat;
	size_t i;
	bool first = true;

	for (i = 0; i < h->nr; i++) {
		if (band_of(hm, h->p[i].area) < 0)
			continue;
		if (first || h->p[i].ts < hm->t0)
			hm->t0 = h->p[i].ts;
		if (first || h->p[i].ts > hm->t1)
			hm->t1 = h->p[i].ts;
		first = false;
	}
	for (i = 0; i < h->nr; i++) {
		const struct heat_point *p = &h->p[i];
		int b = band_of(hm, p->area);
		const struct group *g;
		uint64_t span;
		int tb, ab;

		if (b < 0)
			continue;
		g = &hm->rep->vmas.rows[p->area];
		span = g->hi > g->lo ? g->hi - g->lo : 1;
		tb = hm->t1 > hm->t0
			 ? (int)((double)(p->ts - hm->t0) / (double)(hm->t1 - hm->t0 + 1) * TBINS)
			 : 0;
		ab = p->addr >= g->lo && p->addr < g->hi
			 ? (int)((double)(p->addr - g->lo) / (double)span * ABINS)
			 : 0;
		/* a double has 53 bits: past them (a span over ~104 days of ns, an area over
		 * 8 PiB) the quotient of the last point rounds up to 1 */
		tb = tb < TBINS ? tb : TBINS - 1;
		ab = ab < ABINS ? ab : ABINS - 1;
		hm->count[b][ab][tb] += (uint32_t)h->stride;
		hm->major[b][ab][tb] += p->major ? (uint32_t)h->stride : 0;
		hm->ns[b][ab][tb] += p->ns * h->stride;
		hm->shown += h->stride;
		if (cell(hm, b, ab, tb) > hm->max_cell)
			hm->max_cell = cell(hm, b, ab, tb);
	}
}

static bool raw_time(const struct pft_report *rep)
{
	return rep->nr_inputs && rep->inputs[0].st.ts_raw;
}

/* "1.25 s" from the first fault shown, or the fault's number without timestamps. */
static void time_label(const struct heatmap *hm, double at, char *buf, size_t size)
{
	bool seconds = hm->rep->first_ts != PFT_NO_TS && !raw_time(hm->rep);

	if (seconds)
		snprintf(buf, size, "%.3f s", at / 1e9);
	else
		snprintf(buf, size, "%.0f", at);
}

static void band(const struct heatmap *hm, int b, FILE *out)
{
	const struct group *g = &hm->rep->vmas.rows[hm->bands[b]];
	double y = TOP + b * (BAND_H + BAND_GAP), cw = (double)(hm->t1 - hm->t0 + 1) / TBINS;
	const char *comm = g->has_str ? hm->rep->strs.s[g->str] : "?";
	char kc[8], mc[8], t0[32], t1[32];
	int ab, tb;

	fprintf(out, "<text x=\"10\" y=\"%.1f\" class=\"name\">", y + 14);
	/* a long path: its end says more than its start */
	if (pft_text_cols(g->vma->name, PFT_TEXT_XML) > NAME_MAX_CHARS) {
		fputs("...", out);
		pft_put_text(out, pft_text_tail(g->vma->name, NAME_MAX_CHARS - 3), PFT_TEXT_XML, 0);
	} else {
		pft_put_text(out, g->vma->name, PFT_TEXT_XML, 0);
	}
	fprintf(out, "</text>\n<text x=\"10\" y=\"%.1f\">", y + 30);
	pft_put_text(out, g->vma->perms, PFT_TEXT_XML, 0);
	fputc(' ', out);
	pft_put_text(out, comm, PFT_TEXT_XML, 0);
	/* exited processes folded: their addresses placed as in the first one's */
	if (g->procs)
		fprintf(out, ", %u exited", g->procs);
	else
		fprintf(out, " %d", g->pid);
	fprintf(out,
		", %" PRIu64 " faults</text>\n"
		"<text x=\"10\" y=\"%.1f\" class=\"addr\">0x%" PRIx64 "-0x%" PRIx64 "%s</text>\n"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"band\"/>\n",
		g->c.faults, y + 46, g->lo, g->hi, g->procs ? " (the first's)" : "", LEFT, y,
		PLOT_W, BAND_H);
	for (ab = 0; ab < ABINS; ab++)
		for (tb = 0; tb < TBINS; tb++) {
			uint32_t n = hm->count[b][ab][tb], m = hm->major[b][ab][tb];
			uint64_t w = cell(hm, b, ab, tb);
			uint64_t span = g->hi - g->lo, lo = g->lo + span * ab / ABINS,
				 hi = g->lo + span * (ab + 1) / ABINS;

			if (!n)
				continue;
			ramp(log1p((double)w) / log1p((double)(hm->max_cell ? hm->max_cell : 1)), kc,
			     sizeof(kc));
			major_ramp((double)m / n, mc, sizeof(mc));
			time_label(hm, tb * cw, t0, sizeof(t0));
			time_label(hm, (tb + 1) * cw, t1, sizeof(t1));
			/* low addresses at the bottom of the band, as on a number line */
			fprintf(
			    out,
			    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"%s\" data-k=\"%s\" data-m=\"%s\"><title>%s to %s, 0x%" PRIx64
			    "-0x%" PRIx64 ": %" PRIu32 " fault%s, %" PRIu32 " major, %.3f ms"
			    "</title></rect>\n",
			    LEFT + tb * CELL_W, y + (ABINS - 1 - ab) * CELL_H, CELL_W, CELL_H, kc,
			    kc, mc, t0, t1, lo, hi, n, n == 1 ? "" : "s", m,
			    (double)hm->ns[b][ab][tb] / 1e6);
		}
}

static const char script[] =
    "<script><![CDATA[\n"
    "var byMajor = false;\n"
    "function colours() {\n"
    "  byMajor = !byMajor;\n"
    "  document.querySelectorAll('rect[data-k]').forEach(function (r) {\n"
    "    r.setAttribute('fill', r.getAttribute(byMajor ? 'data-m' : 'data-k')); });\n"
    "  document.getElementById('counts').style.display = byMajor ? 'none' : '';\n"
    "  document.getElementById('majors').style.display = byMajor ? '' : 'none';\n"
    "}\n"
    "window.addEventListener('load', function () {\n"
    "  var m = document.getElementById('mode');\n"
    "  if (m.getAttribute('data-majors') == '1') m.addEventListener('click', colours);\n"
    "});\n"
    "]]></script>\n";

static void axis_and_legend(const struct heatmap *hm, double bottom, FILE *out)
{
	char label[32], c[8];
	int i;

	for (i = 0; i <= 6; i++) {
		double x = LEFT + PLOT_W * i / 6;

		time_label(hm, (double)(hm->t1 - hm->t0) * i / 6, label, sizeof(label));
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"tick\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			x, bottom, x, bottom + 5, x, bottom + 18, label);
	}
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
		LEFT + PLOT_W / 2, bottom + 34,
		hm->rep->first_ts == PFT_NO_TS ? "fault number (the trace has no timestamps)"
		: raw_time(hm->rep)	       ? "time (the trace's counter clock)"
					       : "time from the first fault shown");
	fprintf(out, "<g id=\"counts\">");
	for (i = 0; i < 40; i++) {
		ramp(i / 39.0, c, sizeof(c));
		fprintf(out, "<rect x=\"%.1f\" y=\"44\" width=\"4\" height=\"10\" fill=\"%s\"/>",
			LEFT + 60 + i * 4, c);
	}
	if (hm->rep->opts.weight_ns)
		fprintf(out,
			"<text x=\"%.1f\" y=\"53\" text-anchor=\"end\">0 ms</text>"
			"<text x=\"%.1f\" y=\"53\">%.3f ms (a log scale)</text></g>\n",
			LEFT + 56, LEFT + 226, (double)hm->max_cell / 1e6);
	else
		fprintf(out,
			"<text x=\"%.1f\" y=\"53\" text-anchor=\"end\">1 fault</text>"
			"<text x=\"%.1f\" y=\"53\">%" PRIu64 " (a log scale)</text></g>\n",
			LEFT + 56, LEFT + 226, hm->max_cell);
	fprintf(out, "<g id=\"majors\" style=\"display: none\">");
	for (i = 0; i < 40; i++) {
		major_ramp(i / 39.0, c, sizeof(c));
		fprintf(out, "<rect x=\"%.1f\" y=\"44\" width=\"4\" height=\"10\" fill=\"%s\"/>",
			LEFT + 60 + i * 4, c);
	}
	fprintf(out,
		"<text x=\"%.1f\" y=\"53\" text-anchor=\"end\">all minor</text>"
		"<text x=\"%.1f\" y=\"53\">all major</text></g>\n",
		LEFT + 56, LEFT + 226);
}

int pft_report_write_heatmap(const struct pft_report *rep, FILE *out)
{
	struct heatmap hm = {.rep = rep};
	double height;
	int b, ret = -1;

	hm.count = calloc(BANDS, sizeof(*hm.count));
	hm.major = calloc(BANDS, sizeof(*hm.major));
	hm.ns = calloc(BANDS, sizeof(*hm.ns));
	if (!hm.count || !hm.major || !hm.ns || pick_bands(&hm) < 0)
		goto out;
	bin(&hm);
	height = TOP + hm.nr_bands * (BAND_H + BAND_GAP) + 50;
	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"xmlns=\"http://www.w3.org/2000/svg\" data-faults=\"%" PRIu64
		"\" data-shown=\"%" PRIu64 "\">\n"
		"<style>text { font: 11px monospace; fill: #000; } .name { font-weight: bold; } "
		".addr { fill: #555; } .band { fill: #f4f4f0; stroke: #ccc; } .tick { stroke: "
		"#555; } rect[data-k]:hover { stroke: #000; stroke-width: 0.5; } #mode { cursor: "
		"pointer; fill: #335; }</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fafaf5\"/>\n"
		"<text x=\"10\" y=\"20\" style=\"font-size: 15px\">Page faults by address and time"
		"</text>\n"
		"<text x=\"10\" y=\"36\">%" PRIu64 " faults; %" PRIu64 " in the %d areas with the "
		"most (bands, low addresses at the bottom)%s; hover a cell for its faults</text>\n"
		"<text id=\"mode\" x=\"10\" y=\"53\" data-majors=\"%d\">%s</text>\n",
		SVG_W, height, SVG_W, height, rep->total.faults, hm.shown, rep->total.faults,
		hm.shown, hm.nr_bands, rep->heat.stride > 1 ? "; every point 1 of many" : "",
		rep->opts.completions,
		rep->opts.completions
		    ? rep->opts.weight_ns ? "colour: fault time (--weight ns); click for major"
					  : "colour: faults; click for major"
		    : "colour: faults");
	for (b = 0; b < hm.nr_bands; b++)
		band(&hm, b, out);
	if (!hm.nr_bands)
		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">no faults in any area</text>\n", LEFT,
			TOP + 20);
	axis_and_legend(&hm, TOP + hm.nr_bands * (BAND_H + BAND_GAP), out);
	fputs(script, out);
	fputs("</svg>\n", out);
	ret = fflush(out) == EOF || ferror(out) ? -1 : 0;
out:
	free(hm.count);
	free(hm.major);
	free(hm.ns);
	return ret;
}
