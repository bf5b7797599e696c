/* luapat.h - Lua 5.4 pattern matching that a time budget can stop.
 *
 * string.find, string.match, string.gmatch and string.gsub with the
 * results, errors and limits of Lua 5.4's own (manual §6.4.1), written
 * for marsplay: every LP_TICK_STEPS matching steps of one call the tick
 * function runs, and may raise a Lua error (the sandbox's checks the
 * check's deadline, so one backtracking pattern cannot run past it). */
#ifndef MP_LUAPAT_H
#define MP_LUAPAT_H

#include <lua.h>

#define LP_TICK_STEPS 4096

/* Called every LP_TICK_STEPS steps; may raise a Lua error (never returns
 * then).  NULL: never called. */
typedef void (*lp_tick_fn)(lua_State *L);

/* Set find, match, gmatch and gsub in the table at index t to this
 * implementation, with tick as above. */
void lp_register(lua_State *L, int t, lp_tick_fn tick);

/* The four functions; upvalue 1 is the tick box lp_register makes. */
int lp_find(lua_State *L);
int lp_match(lua_State *L);
int lp_gmatch(lua_State *L);
int lp_gsub(lua_State *L);

#endif
