/* test-indep.c: verdicts of the independence condition for every activation.
 *
 * identity and relu satisfy z sigma'(z) = sigma(z) and sigma'' = 0, so their
 * smallest relative singular value must be zero up to rounding (first-order
 * set: below 1e-12; the full set: exactly 0, since sigma'' vanishes) and the
 * reported relation must be that identity.  tanh, sigmoid, gelu and softplus
 * must be independent with a margin: their smallest relative singular
 * values on [-3, 3] are 2.5e-3, 1.7e-3, 4.7e-2 and 3.2e-4, so the test asks
 * for more than 1e-5, far above the 1e-8 threshold and far below them.
 */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "indep.h"
#include "check.h"

int
main(void)
{
  gmoe_indep_result r;
  int a, status;
  gmoe_error_init();
  for (a = 0; a < GMOE_ACT_COUNT; a++) {
    const char *name = gmoe_activation_name((gmoe_activation)a);
    int dependent = (a == GMOE_ACT_IDENTITY || a == GMOE_ACT_RELU);
    if (gmoe_indep_check((gmoe_activation)a, 401, 3.0, &r) != GMOE_OK) {
      printf("FAIL: %s: %s\n", name, gmoe_error_message());
      failures++;
      continue;
    }
    printf("%-9s smallest %.3e (first order %.3e) %s %s\n", name, r.min_rel, r.min_rel_first,
           r.independent ? "independent" : "dependent", r.dependency);
    if (dependent) {
      CHECK(!r.independent, "%s: verdict should be dependent", name);
      CHECK(r.min_rel == 0.0, "%s: second derivative vanishes: smallest value should be 0", name);
      CHECK(r.min_rel_first < 1e-12,
            "%s: sigma = z sigma': first-order value should be < 1e-12", name);
      CHECK(strcmp(r.dependency, "z^2*sigma'', z*sigma'', sigma'' vanish; sigma - z*sigma' = 0")
            == 0, "%s: relation text", name);
    } else {
      CHECK(r.independent, "%s: verdict should be independent", name);
      CHECK(r.min_rel > 1e-5, "%s: smallest relative singular value should exceed 1e-5", name);
      CHECK(r.dependency[0] == '\0', "%s: no relation expected", name);
    }
    CHECK(r.sv[0] == 1.0, "%s: singular values are relative to the largest", name);
  }
  status = gmoe_indep_check(GMOE_ACT_TANH, 5, 3.0, &r);
  CHECK(status == GMOE_EINVAL
        && strcmp(gmoe_error_message(), "the grid needs at least 6 points, got 5") == 0,
        "tanh: 5 grid points should be refused");
  status = gmoe_indep_check(GMOE_ACT_TANH, 401, 0.0, &r);
  CHECK(status == GMOE_EINVAL, "tanh: zero half-width should be refused");
  return check_report("test-indep");
}
