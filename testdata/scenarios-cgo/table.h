#ifndef SCENARIOS_CGO_TABLE_H
#define SCENARIOS_CGO_TABLE_H
struct field { int width; const char *name; };
int render_table(int rows);
int walk_nodes(int n);
int label_width(int labels);
#endif
