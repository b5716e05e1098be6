/* sim.h: drawing reproducible data sets from a true model.
 *
 * Every data set is addressed by (seed, n, replicate): the random stream
 * is derived from those three numbers alone, so any one data set of a
 * sweep can be regenerated on its own, on any machine, in any order.
 */
#ifndef GMOE_SIM_H
#define GMOE_SIM_H

#include "data.h"
#include "model.h"

/* Mix a 64-bit value into a well-spread one (splitmix64 finaliser); the
 * building block of every derived seed. */
unsigned long long gmoe_sim_mix(unsigned long long z);

/* Derive the 64-bit stream seed of data set (seed, n, replicate). */
unsigned long gmoe_sim_stream_seed(unsigned long seed, size_t n, unsigned long replicate);

/* Fill data (already allocated with data->n rows and d = truth->d) with
 * x uniform on [0,1]^d and y drawn from the truth, using the stream of
 * (seed, data->n, replicate). */
int gmoe_sim_draw(const gmoe_model *truth, unsigned long seed, unsigned long replicate,
                  gmoe_data *data);

#endif
