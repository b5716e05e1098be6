/* cmd-predict.h: using the fitted model: `predict`, `show assign`, `save
 * assign`, `save predictions` and `show params se`, reached through the
 * `show` and `save` commands (cmd-show.c, cmd-data.c). */
#ifndef GMOE_CMD_PREDICT_H
#define GMOE_CMD_PREDICT_H

struct gmoe_session;

/* `show assign`: responsibilities and hard assignment of every observation. */
int gmoe_cmd_show_assign(struct gmoe_session *s);

/* `save assign FILE.csv`: the same as CSV. */
int gmoe_cmd_save_assign(struct gmoe_session *s, const char *path);

/* `save predictions FILE.csv`: predictions at every observation's input. */
int gmoe_cmd_save_predictions(struct gmoe_session *s, const char *path);

/* `show params se`: fitted parameters with standard errors. */
int gmoe_cmd_show_se(struct gmoe_session *s);

#endif
