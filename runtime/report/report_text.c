/* report_text.c - the report for an operator reading a terminal.
 *
 * One header per playbook, one line per check with a status tag, and
 * for the checks that need attention the message, the key evidence, the
 * actions (planned in dry-run, performed otherwise), numbered
 * recommendations and the reason.  Passing checks stay on one line.  A
 * summary with the counts and the meaning of the exit code ends it.
 *
 * Everything printed comes from a report that may hold names read from
 * a hostile volume, so text is sanitised: invalid UTF-8 bytes become
 * U+FFFD, control characters are shown as \xNN, C1 controls and the
 * bidirectional overrides become U+FFFD.  Labels are English or
 * Brazilian Portuguese; messages arrive already translated.
 */
#include <string.h>

#include "report/report.h"

#define REPL "\xEF\xBF\xBD"      /* U+FFFD */
#define BODY 4                   /* indent of the lines under a check */
#define WIDTH 100                /* wrap evidence beyond this column */
#define EVIDENCE_MAX 8           /* evidence entries shown */
#define VALUE_MAX 100            /* code points of one evidence value */

typedef struct labels {
  const char *mode_dry, *mode_apply, *target, *offline, *live, *host, *note;
  const char *pb_error, *no_checks, *cause, *error_ids, *evidence, *more;
  const char *planned_actions, *actions, *recommendations, *reason;
  const char *verify_failed, *summary, *total, *pb_errors, *exit_code;
  const char *status[MPR_NSTATUS];
  const char *severity[5];
  const char *exit_ok, *exit_fixed, *exit_error, *exit_fixable, *exit_dry,
    *exit_manual, *exit_fixfail, *exit_nothing_live, *exit_nothing_offline;
  const char *next_steps, *after_fix, *exit_fixed_steps;
  const char *file1, *files, *matching, *in, *to, *from, *as, *replacing, *new_file;
  char thousands, decimal;
  int lang;                 /* 0 English, 1 Portuguese: the column of VERBS */
} labels;

static const char *const kinds[9] = {
  "delete", "move", "copy", "write", "mkdir", "chmod", "set-value", "service", NULL
};
static const char *const states[4] = {"planned", "done", "failed", "skipped"};
static const char *const severities[5] = {"critical", "high", "medium", "low", "info"};

/* What an action does, by kind (kinds[], then any other kind) and state
 * (states[]): [kind][state][0] in English, [1] in Portuguese. */
static const char *const VERBS[9][4][2] = {
  {{"would delete", "excluiria"}, {"deleted", "excluído:"},
   {"could not delete", "não foi possível excluir"}, {"did not delete", "não excluído:"}},
  {{"would move", "moveria"}, {"moved", "movido:"}, {"could not move", "não foi possível mover"},
   {"did not move", "não movido:"}},
  {{"would copy", "copiaria"}, {"copied", "copiado:"},
   {"could not copy", "não foi possível copiar"}, {"did not copy", "não copiado:"}},
  {{"would write", "gravaria"}, {"wrote", "gravado:"},
   {"could not write", "não foi possível gravar"}, {"did not write", "não gravado:"}},
  {{"would create folder", "criaria a pasta"}, {"created folder", "pasta criada:"},
   {"could not create folder", "não foi possível criar a pasta"},
   {"did not create folder", "pasta não criada:"}},
  {{"would change permissions of", "alteraria as permissões de"},
   {"changed permissions of", "permissões alteradas:"},
   {"could not change permissions of", "não foi possível alterar as permissões de"},
   {"did not change permissions of", "permissões não alteradas:"}},
  {{"would set", "definiria"}, {"set", "definido:"}, {"could not set", "não foi possível definir"},
   {"did not set", "não definido:"}},
  {{"would change", "alteraria"}, {"changed", "alterado:"},
   {"could not change", "não foi possível alterar"}, {"did not change", "não alterado:"}},
  {{"planned:", "planejado:"}, {"done:", "feito:"}, {"failed:", "falhou:"},
   {"not done:", "não feito:"}}
};

static const labels EN = {
  "dry-run (nothing was changed)", "apply (fixes enabled)", "target", "offline volume",
  "this system (live)", "host", "Note",
  "playbook could not run", "(no checks)", "Cause", "Error IDs", "Evidence", "more",
  "Planned actions (dry-run, nothing was changed)", "Actions", "Recommendations", "Reason",
  "The fix did not verify.", "Summary", "total", "playbook errors", "Exit code",
  {"pass", "fail", "planned", "fixed", "manual", "fix failed", "skipped", "error", "waived"},
  {"critical", "high", "medium", "low", "info"},
  "healthy, nothing to do", "every problem found was fixed and verified",
  "a check or playbook could not run (see [ERROR])",
  "problems remain that marsplay can fix",
  "run again without --dry-run to apply the planned fixes",
  "problems remain that need manual action: follow the recommendations",
  "a fix failed or did not verify (see [FIX-FAILED])",
  "nothing was checked: this system is not a Windows server with the MARS agent, so every "
  "check was skipped; run marsplay on the Windows server, or give --root DIR for a mounted "
  "Windows system volume",
  "nothing was checked: every selected check was skipped (see the reasons above)",
  "Next steps (the fix is done; these are for you)", "After the fix, you will need to",
  "the problems found were fixed and verified, but step(s) remain for you: see \"Next steps\" above",
  "file", "files", "matching", "in", "to", "from", "as", "replacing", "a new file",
  ',', '.', 0
};

static const labels PT = {
  "dry-run (nada foi alterado)", "apply (correções habilitadas)", "alvo", "volume offline",
  "este sistema (ao vivo)", "host", "Aviso",
  "o playbook não pôde ser executado", "(nenhuma verificação)", "Causa", "IDs de erro",
  "Evidências", "mais",
  "Ações planejadas (simulação, nada foi alterado)", "Ações", "Recomendações", "Motivo",
  "A correção não foi verificada.", "Resumo", "total", "erros de playbook",
  "Código de saída",
  {"ok", "falha", "planejado", "corrigido", "manual", "correção falhou", "ignorado", "erro",
   "dispensado"},
  {"crítica", "alta", "média", "baixa", "info"},
  "saudável, nada a fazer", "todos os problemas encontrados foram corrigidos e verificados",
  "uma verificação ou playbook não pôde ser executado (veja [ERROR])",
  "restam problemas que o marsplay pode corrigir",
  "execute novamente sem --dry-run para aplicar as correções planejadas",
  "restam problemas que exigem ação manual: siga as recomendações",
  "uma correção falhou ou não foi verificada (veja [FIX-FAILED])",
  "nada foi verificado: este sistema não é um servidor Windows com o agente MARS, então todas "
  "as verificações foram ignoradas; execute o marsplay no servidor Windows ou use --root DIR "
  "com um volume de sistema Windows montado",
  "nada foi verificado: todas as verificações selecionadas foram ignoradas (veja os motivos "
  "acima)",
  "Próximos passos (a correção foi feita; estes cabem a você)",
  "Depois da correção, será preciso",
  "os problemas encontrados foram corrigidos e verificados, mas restam passos para você: "
  "veja \"Próximos passos\" acima",
  "arquivo", "arquivos", "correspondentes a", "em", "para", "de", "como", "substituindo",
  "um arquivo novo",
  '.', ',', 1
};

static const char *const tags[MPR_NSTATUS] = {
  "[PASS]", "[FAIL]", "[PLAN]", "[FIXED]", "[MANUAL]", "[FIX-FAILED]", "[SKIP]", "[ERROR]",
  "[WAIVED]"
};
static const char *const colours[MPR_NSTATUS] = {
  "32", "31", "36", "1;32", "33", "1;31", "2", "1;35", "2"
};

typedef struct ctx {
  mp_buf *b;
  const labels *L;
  int colour;
  int dry;
} ctx;

/* ---------- sanitised output ---------- */

static int unsafe_cp(unsigned long cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

/* Append s for a terminal.  A newline starts a new line indented by
 * indent spaces, or shows as \n when indent < 0.  At most max code
 * points (0: no limit), then "...".  Returns the code points written. */
static size_t tput(mp_buf *b, const char *s, size_t len, int indent, size_t max) {
  size_t i = 0, n = 0;
  while (i < len && !b->oom) {
    unsigned char c = (unsigned char)s[i];
    size_t k = 1;
    if (max && n >= max) { mpb_puts(b, "..."); return n + 3; }
    if (c >= 0x80) {
      k = mp_utf8_seq(s + i, len - i);
      if (k == 0 || unsafe_cp(mp_utf8_decode(s + i, k))) { mpb_puts(b, REPL); k = k ? k : 1; }
      else mpb_add(b, s + i, k);
    } else if (c == '\n' && indent >= 0) {
      mpb_printf(b, "\n%*s", indent, "");
      n = 0;
    } else if (c == '\r' && i + 1 < len && s[i + 1] == '\n' && indent >= 0) {
      /* CRLF: the newline does the work */
    } else if (c == '\t') {
      mpb_add(b, " ", 1);
    } else if (c == '\n') {
      mpb_puts(b, "\\n");
      n++;
    } else if (c < 0x20 || c == 0x7F) {
      mpb_printf(b, "\\x%02x", c);
      n += 3;
    } else {
      mpb_add(b, s + i, 1);
    }
    i += k;
    n++;
  }
  return n;
}

static void tputs(ctx *x, const char *s, int indent) {
  if (s) tput(x->b, s, strlen(s), indent, 0);
}

static void colour_on(ctx *x, const char *code) {
  if (x->colour) mpb_printf(x->b, "\033[%sm", code);
}

static void colour_off(ctx *x) {
  if (x->colour) mpb_puts(x->b, "\033[0m");
}

static const char *sget(const mp_value *o, const char *k) {
  return mp_value_string(mp_value_get(o, k), NULL);
}

static size_t cps(const mp_buf *t) {  /* code points in a buffer */
  size_t i, n = 0;
  for (i = 0; i < t->len; i++) n += ((unsigned char)t->p[i] & 0xC0) != 0x80;
  return n;
}

/* A value in short form: strings bare (quoted if they hold spaces, '='
 * or nothing), the rest compact JSON, cut at max code points. */
static void short_value(mp_buf *b, const mp_value *v, size_t max) {
  size_t len;
  const char *s = mp_value_string(v, &len);
  if (s) {
    int q = len == 0 || memchr(s, ' ', len) || memchr(s, '=', len);
    if (q) mpb_add(b, "\"", 1);
    tput(b, s, len, -1, max);
    if (q) mpb_add(b, "\"", 1);
  } else {
    mp_buf j = {NULL, 0, 0, 0};
    mpv_write_json(&j, v, 0, 1);
    if (j.oom) b->oom = 1;
    else tput(b, j.p, j.len, -1, max);
    mpb_free(&j);
  }
}

/* ---------- pieces of a check ---------- */

static void line_label(ctx *x, const char *label) {
  mpb_printf(x->b, "%*s%s: ", BODY, "", label);
}

static void evidence(ctx *x, const mp_value *ev) {
  size_t i, n = mp_value_len(ev), col;
  if (mp_value_type(ev) != MP_OBJECT || n == 0) return;
  line_label(x, x->L->evidence);
  col = BODY + strlen(x->L->evidence) + 2;
  for (i = 0; i < n && i < EVIDENCE_MAX; i++) {
    mp_buf t = {NULL, 0, 0, 0};
    const char *k = mp_value_key(ev, i);
    size_t w;
    tput(&t, k, strlen(k), -1, 40);
    mpb_add(&t, "=", 1);
    short_value(&t, mp_value_at(ev, i), VALUE_MAX);
    if (t.oom) { x->b->oom = 1; mpb_free(&t); return; }
    w = cps(&t);
    if (i > 0 && col + 1 + w > WIDTH) {
      mpb_printf(x->b, "\n%*s", BODY + 2, "");
      col = BODY + 2;
    } else if (i > 0) {
      mpb_add(x->b, " ", 1);
      col++;
    }
    mpb_add(x->b, t.p, t.len);
    col += w;
    mpb_free(&t);
  }
  if (n > EVIDENCE_MAX) mpb_printf(x->b, " (+%zu %s)", n - EVIDENCE_MAX, x->L->more);
  mpb_add(x->b, "\n", 1);
}

static int index_of(const char *const *list, size_t n, const char *s) {
  size_t i;
  for (i = 0; s && i < n; i++)
    if (list[i] && strcmp(list[i], s) == 0) return (int)i;
  return -1;
}

/* A count with thousands separators: 100003 -> "100,003" (en) or
 * "100.003" (pt-BR). */
static void count(ctx *x, double v) {
  char d[32];
  int n, i;
  if (!(v >= 0 && v < 1e18)) { mpb_printf(x->b, "%.0f", v); return; }
  n = snprintf(d, sizeof d, "%.0f", v);
  for (i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0) mpb_add(x->b, &x->L->thousands, 1);
    mpb_add(x->b, d + i, 1);
  }
}

/* Bytes in human units, as mp.bytes: "54 B", "1.5 GiB" ("1,5 GiB"). */
static void human_bytes(ctx *x, double v) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  char t[32], *dot;
  int i = 0;
  if (!(v >= 0 && v < 1e30)) { mpb_printf(x->b, "%.0f B", v); return; }
  v = (double)(unsigned long long)(v + 0.5);
  while (v >= 1024 && i < 5) { v /= 1024; i++; }
  if (i == 0) { count(x, v); mpb_puts(x->b, " B"); return; }
  snprintf(t, sizeof t, "%.1f", v);
  if ((dot = strchr(t, '.')) != NULL) *dot = x->L->decimal;
  mpb_printf(x->b, "%s %s", t, units[i]);
}

static int num_field(const mp_value *o, const char *k, double *out) {
  const mp_value *v = mp_value_get(o, k);
  if (v == NULL || mp_value_type(v) != MP_NUMBER) return 0;
  *out = mp_value_number(v);
  return 1;
}

/* "N files (B) matching PATTERN in FOLDER" for a target FOLDER\PATTERN;
 * 0 when the action is not shaped so. */
static int files_matching(ctx *x, const mp_value *a, const char *target, const char *state) {
  const mp_value *before = mp_value_get(a, "before");
  const char *sep;
  double files, bytes = 0, n;
  int has_bytes;
  if (target == NULL || mp_value_type(before) != MP_OBJECT || !num_field(before, "files", &files) ||
      (sep = strrchr(target, '\\')) == NULL)
    return 0;
  has_bytes = num_field(before, "bytes", &bytes);
  n = files;
  if (state && strcmp(state, "done") == 0 && num_field(a, "count", &n) && n != files)
    has_bytes = 0;                        /* some were not deleted: bytes unknown */
  mpb_add(x->b, " ", 1);
  count(x, n);
  mpb_printf(x->b, " %s", n == 1 ? x->L->file1 : x->L->files);
  if (has_bytes) { mpb_puts(x->b, " ("); human_bytes(x, bytes); mpb_add(x->b, ")", 1); }
  mpb_printf(x->b, " %s ", x->L->matching);
  tputs(x, sep + 1, -1);
  mpb_printf(x->b, " %s ", x->L->in);
  tput(x->b, target, (size_t)(sep - target), -1, 0);
  return 1;
}

/* A value in an action sentence: a size object as "1.2 KiB", a string
 * bare, the rest short JSON. */
static void action_value(ctx *x, const mp_value *v) {
  double n;
  if (mp_value_type(v) == MP_OBJECT && num_field(v, "size", &n)) human_bytes(x, n);
  else short_value(x->b, v, VALUE_MAX);
}

/* One action as a sentence: "would delete 100,003 files (54 B) matching
 * *.tmp in C:\Windows\Temp", "would set KEY from 4 to 3", "would move A
 * to B", then the detail in parentheses (after a colon when it failed). */
static void action(ctx *x, const mp_value *a) {
  const char *kind = sget(a, "kind"), *state = sget(a, "state");
  const char *target = sget(a, "target"), *detail = sget(a, "detail");
  const mp_value *before = mp_value_get(a, "before"), *after = mp_value_get(a, "after");
  int k = index_of(kinds, 8, kind), s = index_of(states, 4, state);
  int has_before = before && mp_value_type(before) != MP_NULL &&
                   !(mp_value_type(before) == MP_BOOL && !mp_value_bool(before));
  int has_after = after && mp_value_type(after) != MP_NULL &&
                  !(mp_value_type(after) == MP_BOOL && !mp_value_bool(after));
  double size;
  mp_buf *b = x->b;
  mpb_printf(b, "%*s- ", BODY + 2, "");
  if (s < 0) {  /* a state this writer does not know: show it raw */
    mpb_add(b, "[", 1);
    tputs(x, state ? state : "?", -1);
    mpb_add(b, "] ", 2);
    s = 0;
  }
  mpb_puts(b, VERBS[k < 0 ? 8 : k][s][x->L->lang]);
  if (k < 0) { mpb_add(b, " ", 1); tputs(x, kind ? kind : "?", -1); }
  if (k == 0 && files_matching(x, a, target, state)) {
    /* delete_matching: the detail's first part restates the count */
    if (detail && *detail >= '0' && *detail <= '9') {
      const char *rest = strstr(detail, "; ");
      detail = rest ? rest + 2 : NULL;
    }
  } else {
    if (target) { mpb_add(b, " ", 1); tputs(x, target, -1); }
    if (k == 0 && mp_value_type(before) == MP_OBJECT && num_field(before, "size", &size)) {
      mpb_puts(b, " (");                 /* delete one file: its size */
      human_bytes(x, size);
      mpb_add(b, ")", 1);
    } else if (has_after && (k == 1 || k == 2)) {           /* move, copy */
      mpb_printf(b, " %s ", x->L->to);
      short_value(b, after, VALUE_MAX);
    } else if (k == 3 && mp_value_type(after) == MP_OBJECT) {  /* write: sizes */
      mpb_puts(b, " (");
      action_value(x, after);
      if (mp_value_type(before) == MP_OBJECT && num_field(before, "size", &size)) {
        mpb_printf(b, ", %s ", x->L->replacing);
        human_bytes(x, size);
      } else {
        mpb_printf(b, ", %s", x->L->new_file);
      }
      mpb_add(b, ")", 1);
    } else if (k == 7 && has_after) {    /* service: the operation */
      mpb_puts(b, ": ");
      short_value(b, after, VALUE_MAX);
    } else if (has_after && has_before && k == 3) {  /* write, described */
      mpb_puts(b, ": ");
      action_value(x, before);
      mpb_puts(b, " -> ");
      action_value(x, after);
    } else if (has_after && has_before) {
      mpb_printf(b, " %s ", x->L->from);
      action_value(x, before);
      mpb_printf(b, " %s ", x->L->to);
      action_value(x, after);
    } else if (has_after) {
      mpb_printf(b, " %s ", k == 6 ? x->L->as : x->L->to);
      action_value(x, after);
    }
  }
  if (detail && strcmp(state ? state : "", "failed") == 0) {
    mpb_puts(b, ": ");
    tputs(x, detail, -1);
  } else if (detail) {
    mpb_puts(b, " (");
    tputs(x, detail, -1);
    mpb_add(b, ")", 1);
  }
  mpb_add(b, "\n", 1);
}

static void actions(ctx *x, const mp_value *acts) {
  size_t i, n = mp_value_len(acts);
  int planned = 0;
  if (n == 0) return;
  for (i = 0; i < n; i++) planned |= index_of(states, 4, sget(mp_value_at(acts, i), "state")) == 0;
  mpb_printf(x->b, "%*s%s:\n", BODY, "", planned ? x->L->planned_actions : x->L->actions);
  for (i = 0; i < n; i++) action(x, mp_value_at(acts, i));
}

static void recommendations(ctx *x, const mp_value *recs, const char *label) {
  size_t i, n = mp_value_len(recs);
  if (n == 0) return;
  mpb_printf(x->b, "%*s%s:\n", BODY, "", label);
  for (i = 0; i < n; i++) {
    const mp_value *r = mp_value_at(recs, i);
    size_t len;
    const char *s = mp_value_string(r, &len);
    int ind = BODY + 2 + 2 + (i + 1 >= 10) + (i + 1 >= 100) + 1;
    mpb_printf(x->b, "%*s%zu. ", BODY + 2, "", i + 1);
    if (s) tput(x->b, s, len, ind, 0);
    else short_value(x->b, r, 0);
    mpb_add(x->b, "\n", 1);
  }
}

static void check(ctx *x, const mp_value *c) {
  const char *title = sget(c, "title"), *st = sget(c, "status"), *s;
  const mp_value *ids = mp_value_get(c, "error_ids");
  int k = mpr_status_index(st), sev = index_of(severities, 5, sget(c, "severity"));
  size_t i;
  colour_on(x, colours[k < 0 ? MPR_ERROR : k]);
  if (k >= 0) {
    mpb_printf(x->b, "%-12s", tags[k]);
  } else {  /* a status this writer does not know */
    size_t w;
    mpb_add(x->b, "[", 1);
    w = tput(x->b, st ? st : "?", st ? strlen(st) : 1, -1, 7) + 2;
    mpb_printf(x->b, "]%*s", w < 12 ? (int)(12 - w) : 0, "");
  }
  colour_off(x);
  mpb_add(x->b, " ", 1);
  tputs(x, title ? title : sget(c, "id") ? sget(c, "id") : "?", -1);
  if (k == MPR_PASS) { mpb_add(x->b, "\n", 1); return; }
  if (sev >= 0 && sev < 4 && k != MPR_SKIPPED && k != MPR_WAIVED && k != MPR_FIXED)
    mpb_printf(x->b, " (%s)", x->L->severity[sev]);
  mpb_add(x->b, "\n", 1);
  if (k == MPR_SKIPPED || k == MPR_WAIVED) {  /* short: the reason only */
    if ((s = sget(c, "reason")) || (s = sget(c, "message"))) {
      line_label(x, x->L->reason);
      tputs(x, s, BODY + 2);
      mpb_add(x->b, "\n", 1);
    }
    return;
  }
  if ((s = sget(c, "message"))) {
    mpb_printf(x->b, "%*s", BODY, "");
    tputs(x, s, BODY);
    mpb_add(x->b, "\n", 1);
  }
  if ((s = sget(c, "reason"))) {
    line_label(x, x->L->reason);
    tputs(x, s, BODY + 2);
    mpb_add(x->b, "\n", 1);
  }
  if (k == MPR_FIXFAILED && mp_value_type(mp_value_get(c, "verified")) == MP_BOOL &&
      !mp_value_bool(mp_value_get(c, "verified")))
    mpb_printf(x->b, "%*s%s\n", BODY, "", x->L->verify_failed);
  if (k != MPR_FIXED && (s = sget(c, "cause"))) {
    line_label(x, x->L->cause);
    tputs(x, s, BODY + 2);
    mpb_add(x->b, "\n", 1);
  }
  if (k != MPR_FIXED && mp_value_len(ids)) {
    line_label(x, x->L->error_ids);
    for (i = 0; i < mp_value_len(ids); i++) {
      if (i) mpb_puts(x->b, ", ");
      short_value(x->b, mp_value_at(ids, i), 40);
    }
    mpb_add(x->b, "\n", 1);
  }
  if (k != MPR_FIXED) evidence(x, mp_value_get(c, "evidence"));
  actions(x, mp_value_get(c, "actions"));
  if (k != MPR_FIXED) recommendations(x, mp_value_get(c, "recommendations"), x->L->recommendations);
  if (k == MPR_FIXED) recommendations(x, mp_value_get(c, "next_steps"), x->L->next_steps);
  else if (k == MPR_PLANNED) recommendations(x, mp_value_get(c, "next_steps"), x->L->after_fix);
}

static void playbook(ctx *x, const mp_value *pb) {
  const mp_value *checks = mp_value_get(pb, "checks");
  const char *title = sget(pb, "title"), *anchor = sget(pb, "anchor"), *err = sget(pb, "error");
  size_t i;
  mpb_add(x->b, "\n", 1);
  colour_on(x, "1");
  mpb_puts(x->b, "== ");
  tputs(x, title ? title : sget(pb, "id") ? sget(pb, "id") : "?", -1);
  colour_off(x);
  if (anchor) { mpb_puts(x->b, "  (#"); tputs(x, anchor, -1); mpb_add(x->b, ")", 1); }
  mpb_add(x->b, "\n", 1);
  if (err) {
    colour_on(x, colours[MPR_ERROR]);
    mpb_printf(x->b, "%-12s", tags[MPR_ERROR]);
    colour_off(x);
    mpb_printf(x->b, " %s\n%*s", x->L->pb_error, BODY, "");
    tputs(x, err, BODY);
    mpb_add(x->b, "\n", 1);
  } else if (mp_value_len(checks) == 0) {
    mpb_printf(x->b, "%s\n", x->L->no_checks);
  }
  for (i = 0; i < mp_value_len(checks); i++) check(x, mp_value_at(checks, i));
}

static void header(ctx *x, const mp_value *r) {
  const mp_value *t = mp_value_get(r, "target"), *sb;
  const char *s;
  mpb_puts(x->b, "marsplay");
  if ((s = sget(r, "version"))) { mpb_add(x->b, " ", 1); tputs(x, s, -1); }
  if ((s = sget(r, "started"))) { mpb_puts(x->b, "  "); tputs(x, s, -1); }
  mpb_printf(x->b, "\n%s: ", x->L->target);
  if ((s = sget(t, "root"))) {
    tputs(x, s, -1);
    mpb_printf(x->b, " (%s)", x->L->offline);
  } else {
    mpb_puts(x->b, x->L->live);
  }
  if ((s = sget(t, "hostname")) && *s) { mpb_printf(x->b, ", %s ", x->L->host); tputs(x, s, -1); }
  mpb_printf(x->b, "; %s\n", x->dry ? x->L->mode_dry : x->L->mode_apply);
  sb = mp_value_get(r, "sandbox");
  if ((s = sget(sb, "notice")) && *s) {   /* in the report's language (engine.c) */
    mpb_printf(x->b, "%s: ", x->L->note);
    tputs(x, s, 2);
    mpb_add(x->b, "\n", 1);
  }
}

/* Why nothing was checked, and what to do. */
static const char *nothing(const labels *L, const mp_value *r) {
  const mp_value *t = mp_value_get(r, "target");
  const char *platform = mp_value_string(mp_value_get(t, "platform"), NULL);
  int live = mp_value_type(mp_value_get(t, "live")) == MP_BOOL && mp_value_bool(mp_value_get(t, "live"));
  return live && (platform == NULL || strcmp(platform, "windows") != 0) ? L->exit_nothing_live : L->exit_nothing_offline;
}

const char *mpr_nothing_checked(const mp_value *report, const char *lang) {
  return nothing(lang && strncmp(lang, "pt", 2) == 0 ? &PT : &EN, report);
}

static void summary(ctx *x, const mp_value *r) {
  const mp_value *pbs = mp_value_get(r, "playbooks"), *ec = mp_value_get(r, "exit_code");
  mpr_counts c;
  unsigned long pb_errors = 0, steps = 0;
  size_t i;
  int code, first = 1;
  const char *meaning;
  memset(&c, 0, sizeof c);
  for (i = 0; i < mp_value_len(pbs); i++) {
    const mp_value *checks = mp_value_get(mp_value_at(pbs, i), "checks");
    size_t j;
    mpr_count_checks(checks, &c);
    pb_errors += sget(mp_value_at(pbs, i), "error") != NULL;
    for (j = 0; j < mp_value_len(checks); j++) {
      const mp_value *ck = mp_value_at(checks, j);
      if (mpr_status_index(sget(ck, "status")) == MPR_FIXED)
        steps += (unsigned long)mp_value_len(mp_value_get(ck, "next_steps"));
    }
  }
  code = mp_value_type(ec) == MP_NUMBER ? (int)mp_value_number(ec)
                                        : mpr_exit_from_counts(&c, pb_errors != 0);
  mpb_add(x->b, "\n", 1);
  colour_on(x, "1");
  mpb_printf(x->b, "%s:", x->L->summary);
  colour_off(x);
  for (i = 0; i < MPR_NSTATUS; i++) {
    if (c.n[i] == 0) continue;
    mpb_puts(x->b, first ? " " : ", ");
    colour_on(x, colours[i]);
    mpb_puts(x->b, x->L->status[i]);
    colour_off(x);
    mpb_printf(x->b, " %lu", c.n[i]);
    first = 0;
  }
  mpb_printf(x->b, first ? " %s %lu" : " (%s %lu)", x->L->total, c.total);
  if (pb_errors) mpb_printf(x->b, "; %s: %lu", x->L->pb_errors, pb_errors);
  switch (code) {
    case MP_EXIT_OK: meaning = c.n[MPR_FIXED] ? x->L->exit_fixed : x->L->exit_ok; break;
    case MP_EXIT_ERROR: meaning = x->L->exit_error; break;
    case MP_EXIT_FIXABLE: meaning = x->L->exit_fixable; break;
    case MP_EXIT_MANUAL: meaning = x->L->exit_manual; break;
    case MP_EXIT_FIXFAIL: meaning = x->L->exit_fixfail; break;
    case MP_EXIT_NOTHING: meaning = nothing(x->L, r); break;
    default: meaning = "?";
  }
  mpb_printf(x->b, ".\n%s %d: ", x->L->exit_code, code);
  if (code == MP_EXIT_OK && steps) mpb_puts(x->b, x->L->exit_fixed_steps);
  else mpb_puts(x->b, meaning);
  if (code == MP_EXIT_FIXABLE && x->dry) mpb_printf(x->b, "; %s", x->L->exit_dry);
  mpb_puts(x->b, ".\n");
}

int mp_report_write_text(const mp_value *report, FILE *out, int colour, const char *lang) {
  mp_buf b = {NULL, 0, 0, 0};
  const mp_value *pbs = mp_value_get(report, "playbooks");
  const char *mode = sget(report, "mode");
  ctx x;
  size_t i;
  int rc = 0;
  if (lang == NULL) lang = sget(report, "lang");
  x.b = &b;
  x.L = lang && strncmp(lang, "pt", 2) == 0 ? &PT : &EN;
  x.colour = colour;
  x.dry = mode && strcmp(mode, "dry-run") == 0;
  header(&x, report);
  for (i = 0; i < mp_value_len(pbs); i++) playbook(&x, mp_value_at(pbs, i));
  summary(&x, report);
  if (b.oom || fwrite(b.p, 1, b.len, out) != b.len || fflush(out) != 0) rc = -1;
  mpb_free(&b);
  return rc;
}
