/* SPDX-License-Identifier: MIT */
/*
 * The tree of call stacks as a flame graph: one self-contained SVG (no fonts, scripts or
 * styles from the network), readable in any browser. Frames sit on their callers, the root
 * (all faults) at the bottom; a frame's width is its share of the faults, siblings in name
 * order (as flamegraph.pl). Hovering shows a frame's name, faults, share and major faults
 * (<title>, no script needed); with scripts, a click on a frame zooms to it and a click on the
 * legend colours by major faults instead of by kind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define WIDTH	  1200.0
#define PAD	  10.0
#define FRAME_H	  17.0
#define HEAD_H	  62.0
#define MIN_WIDTH 0.1 /* pixels: narrower frames (and what they call) are left out */
#define CHAR_W	  6.6 /* of 11px monospace */
#define MAX_DEPTH (2 * PFT_MAX_FRAMES + 4)

/* A colour per kind of fault: a frame takes the colour of most of its faults. */
static const char *const kind_colour[PFT_KIND_COUNT] = {
    [PFT_KIND_ANON_FIRST_TOUCH] = "#f0a040",
    [PFT_KIND_FILE_READ] = "#5a9bd5",
    [PFT_KIND_FILE_WRITE] = "#9b6fd0",
    [PFT_KIND_COW] = "#e0604a",
    [PFT_KIND_WRITE_PROTECT] = "#e07ab0",
    [PFT_KIND_EXEC] = "#6cbf5a",
    [PFT_KIND_STACK_GROWTH] = "#e8d44a",
    [PFT_KIND_NO_VMA] = "#808080",
    [PFT_KIND_BAD_ACCESS] = "#a02020",
    [PFT_KIND_PKEY] = "#a0703a",
    [PFT_KIND_OTHER] = "#b0b0b0",
    [PFT_KIND_UNKNOWN] = "#d8d8d8",
    [PFT_KIND_WRITE] = "#e88a6a", /* riscv's: a first touch or a copy-on-write */
    /* no error_code (--source perf): the paler colours of what they may be */
    [PFT_KIND_ANON] = "#f5c890",
    [PFT_KIND_FILE] = "#9cc0e4",
};

struct flame {
	const struct pft_report *rep;
	FILE *out;
	double scale; /* pixels per fault */
	int depth;    /* of the deepest frame drawn */
	double height;
};

static enum pft_kind top_kind(const struct stack_node *n)
{
	int k, best = 0;

	for (k = 1; k < PFT_KIND_COUNT; k++)
		if (n->kind[k] > n->kind[best])
			best = k;
	return (enum pft_kind)best;
}

/* White (no major fault) to red (all major). */
static void major_colour(const struct stack_node *n, char *buf, size_t size)
{
	double share = n->total ? (double)n->major / (double)n->total : 0;
	int g = (int)(235 - 185 * share), b = (int)(210 - 180 * share);

	snprintf(buf, size, "#%02x%02x%02x", 250, g, b);
}

/* The kind's colour, a little lighter or darker by the frame's name: neighbours of one kind
 * stay apart, and a function has the same shade everywhere. */
static void kind_shade(const struct stack_node *n, const char *name, char *buf, size_t size)
{
	const char *base = kind_colour[top_kind(n)];
	unsigned int rgb[3], h = 2166136261u, i;
	double f;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	f = ((double)(h % 1000) / 1000.0 - 0.5) * 0.24; /* -12% .. +12% */
	sscanf(base + 1, "%2x%2x%2x", &rgb[0], &rgb[1], &rgb[2]);
	for (i = 0; i < 3; i++) {
		double c = f > 0 ? rgb[i] + (255 - rgb[i]) * f : rgb[i] * (1 + f);

		rgb[i] = (unsigned int)(c < 0 ? 0 : c > 255 ? 255 : c);
	}
	snprintf(buf, size, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* What a frame's width is: its faults, or with --weight ns their latencies' sum. */
static uint64_t weight(const struct flame *fl, const struct stack_node *n)
{
	return fl->rep->opts.weight_ns ? n->ns : n->total;
}

static const char *name_of(const struct flame *fl, uint32_t node)
{
	return node ? fl->rep->tree.nodes[node].name : "all";
}

/* How deep the drawn frames go. */
static int depth_of(const struct flame *fl, uint32_t node, int depth)
{
	const struct stack_tree *t = &fl->rep->tree;
	int deepest = depth;
	uint32_t c;

	if (depth >= MAX_DEPTH)
		return depth;
	for (c = t->nodes[node].first_child; c != UINT32_MAX; c = t->nodes[c].next)
		if (weight(fl, &t->nodes[c]) * fl->scale >= MIN_WIDTH) {
			int d = depth_of(fl, c, depth + 1);

			deepest = d > deepest ? d : deepest;
		}
	return deepest;
}

static void frame(struct flame *fl, uint32_t node, double x, int depth)
{
	const struct stack_node *n = &fl->rep->tree.nodes[node];
	const struct stack_node *root = &fl->rep->tree.nodes[0];
	double w = (double)weight(fl, n) * fl->scale, y = fl->height - PAD - (depth + 1) * FRAME_H;
	const char *name = name_of(fl, node);
	size_t fit = (size_t)((w - 6) / CHAR_W), len = pft_text_cols(name, PFT_TEXT_XML);
	char major[8], kind[8];

	major_colour(n, major, sizeof(major));
	kind_shade(n, name, kind, sizeof(kind));
	fprintf(fl->out, "<g class=\"f\"><title>");
	pft_put_text(fl->out, name, PFT_TEXT_XML, 0);
	fprintf(fl->out, "%s (%" PRIu64 " fault%s, ", n->kernel ? " [kernel]" : "", n->total,
		n->total == 1 ? "" : "s");
	if (fl->rep->opts.weight_ns)
		fprintf(fl->out, "%.3f ms, ", (double)n->ns / 1e6);
	fprintf(fl->out,
		"%.2f%%; %" PRIu64 " major; most %s)</title>"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
		"data-k=\"%s\" data-m=\"%s\" rx=\"2\"/>",
		weight(fl, root) ? 100.0 * (double)weight(fl, n) / (double)weight(fl, root) : 0,
		n->major, pft_kind_name(top_kind(n)), x, y, w, FRAME_H - 1, kind, kind, major);
	if (fit >= 3) {
		fprintf(fl->out, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + 12);
		if (len > fit) {
			pft_put_text(fl->out, name, PFT_TEXT_XML, fit - 2);
			fputs("..", fl->out);
		} else {
			pft_put_text(fl->out, name, PFT_TEXT_XML, 0);
		}
		fputs("</text>", fl->out);
	}
	fputs("</g>\n", fl->out);
}

static int frames(struct flame *fl, uint32_t node, double x, int depth)
{
	uint32_t *kids;
	size_t nr, i;

	frame(fl, node, x, depth);
	if (depth >= MAX_DEPTH)
		return 0;
	if (!(kids = pft_rep_tree_children(fl->rep, node, &nr)))
		return -1;
	for (i = 0; i < nr; i++) {
		const struct stack_node *c = &fl->rep->tree.nodes[kids[i]];

		if (weight(fl, c) * fl->scale >= MIN_WIDTH && frames(fl, kids[i], x, depth + 1) < 0) {
			free(kids);
			return -1;
		}
		x += (double)weight(fl, c) * fl->scale;
	}
	free(kids);
	return 0;
}

static const char script[] =
    "<script><![CDATA[\n"
    "var byMajor = false, W = 1200 - 20;\n"
    "function rects() { return document.querySelectorAll('g.f'); }\n"
    "function colours() {\n"
    "  byMajor = !byMajor;\n"
    "  rects().forEach(function (g) { var r = g.querySelector('rect');\n"
    "    r.setAttribute('fill', r.getAttribute(byMajor ? 'data-m' : 'data-k')); });\n"
    "  document.querySelectorAll('g.kinds').forEach(function (k) {\n"
    "    k.style.display = byMajor ? 'none' : ''; });\n"
    "  document.getElementById('majors').style.display = byMajor ? '' : 'none';\n"
    "  document.getElementById('mode').textContent = byMajor ?\n"
    "    'colour: major faults (white none, red all); click for kinds' :\n"
    "    'colour: kind of fault; click for major faults';\n"
    "}\n"
    "function place(g, x, w) { var r = g.querySelector('rect'), t = g.querySelector('text');\n"
    "  r.setAttribute('x', x); r.setAttribute('width', Math.max(w, 0));\n"
    "  g.style.display = w < 0.1 ? 'none' : '';\n"
    "  if (t) { t.setAttribute('x', x + 3); t.style.display = w < 30 ? 'none' : ''; } }\n"
    "function zoom(g) {\n"
    "  var r = g.querySelector('rect'), x0 = +r.getAttribute('data-x'),\n"
    "      w0 = +r.getAttribute('data-w'), y0 = +r.getAttribute('y');\n"
    "  rects().forEach(function (o) { var q = o.querySelector('rect'),\n"
    "    x = +q.getAttribute('data-x'), w = +q.getAttribute('data-w'), y = +q.getAttribute('y');\n"
    "    if (y >= y0) { var a = x <= x0 + 1e-6 && x + w >= x0 + w0 - 1e-6;\n"
    "      if (a) place(o, 10, W); o.style.display = a ? '' : 'none';\n"
    "      o.style.opacity = y > y0 ? 0.6 : 1; return; }\n"
    "    o.style.opacity = 1;\n"
    "    if (x + w <= x0 || x >= x0 + w0) { o.style.display = 'none'; return; }\n"
    "    place(o, 10 + (x - x0) / w0 * W, w / w0 * W); });\n"
    "}\n"
    "window.addEventListener('load', function () {\n"
    "  rects().forEach(function (g) { var r = g.querySelector('rect');\n"
    "    r.setAttribute('data-x', r.getAttribute('x') - 10);\n"
    "    r.setAttribute('data-w', r.getAttribute('width'));\n"
    "    g.addEventListener('click', function () { zoom(g); }); });\n"
    "  var m = document.getElementById('mode');\n"
    "  if (m.getAttribute('data-majors') == '1') m.addEventListener('click', colours);\n"
    "});\n"
    "]]></script>\n";

static void legend(struct flame *fl)
{
	double x = PAD;
	int k;

	for (k = 0; k < PFT_KIND_COUNT; k++) {
		const char *name = pft_kind_name((enum pft_kind)k);
		uint64_t n = 0;
		uint32_t c;

		for (c = fl->rep->tree.nodes[0].first_child; c != UINT32_MAX;
		     c = fl->rep->tree.nodes[c].next)
			n += fl->rep->tree.nodes[c].kind[k];
		if (!n)
			continue;
		fprintf(fl->out,
			"<g class=\"kinds\"><rect x=\"%.1f\" y=\"40\" width=\"10\" height=\"10\" "
			"fill=\"%s\"/><text x=\"%.1f\" y=\"49\">%s %" PRIu64 "</text></g>\n",
			x, kind_colour[k], x + 14, name, n);
		x += 14 + CHAR_W * (strlen(name) + 8);
	}
	fprintf(fl->out,
		"<g id=\"majors\" style=\"display: none\"><rect x=\"%.1f\" y=\"40\" width=\"10\" "
		"height=\"10\" fill=\"#faebd2\"/><text x=\"%.1f\" y=\"49\">no major fault</text>"
		"<rect x=\"%.1f\" y=\"40\" width=\"10\" height=\"10\" fill=\"#fa321e\"/>"
		"<text x=\"%.1f\" y=\"49\">all major (%" PRIu64 " major faults)</text></g>\n",
		PAD, PAD + 14, PAD + 140, PAD + 154, fl->rep->tree.nodes[0].major);
}

int pft_report_write_flamegraph(const struct pft_report *rep, FILE *out)
{
	const struct stack_node *root = rep->tree.nr ? &rep->tree.nodes[0] : NULL;
	struct flame fl = {rep, out, 0, 0, 0};

	fl.scale = root && weight(&fl, root) ? (WIDTH - 2 * PAD) / (double)weight(&fl, root) : 0;
	fl.depth = root ? depth_of(&fl, 0, 0) : 0;
	fl.height = HEAD_H + (fl.depth + 1) * FRAME_H + 2 * PAD;
	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"xmlns=\"http://www.w3.org/2000/svg\" data-faults=\"%" PRIu64 "\">\n"
		"<style>text { font: 11px monospace; fill: #000; } g.f:hover rect "
		"{ stroke: #000; stroke-width: 0.5; cursor: pointer; } #mode { cursor: pointer; "
		"fill: #335; }</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fafaf5\"/>\n"
		"<text x=\"%.0f\" y=\"20\" style=\"font-size: 15px\">Page faults by call stack"
		"</text>\n"
		"<text x=\"%.0f\" y=\"34\">%" PRIu64 " faults%s, %" PRIu64 " with a stack (%" PRIu64
		" truncated); hover a frame for its faults, click to zoom</text>\n"
		"<text id=\"mode\" x=\"%.0f\" y=\"34\" text-anchor=\"end\" data-majors=\"%d\">"
		"colour: kind of fault%s</text>\n",
		WIDTH, fl.height, WIDTH, fl.height, root ? root->total : 0, PAD, PAD,
		root ? root->total : 0,
		rep->opts.weight_ns ? ", widths by their time (--weight ns)" : "", rep->stacks_seen, rep->stacks_truncated, WIDTH - PAD,
		rep->opts.completions,
		rep->opts.completions ? "; click for major faults"
				      : " (major/minor unknown: no completions in this trace)");
	if (root) {
		legend(&fl);
		if (frames(&fl, 0, PAD, 0) < 0)
			return -1;
	} else {
		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">no faults</text>\n", PAD, HEAD_H + 12);
	}
	fputs(script, out);
	fputs("</svg>\n", out);
	if (fflush(out) == EOF || ferror(out))
		return -1;
	return 0;
}
