/* genpoints — synthetic demand points over Sweden for the benchmarks, deterministic.
 *
 * Usage: genpoints N SEED MUNICIPALITIES_CSV > points.csv
 *
 * Reads rep_x, rep_y and population from a narvaro municipalities.csv and writes N
 * points "x,y,population" in EPSG:3006: 80 % scattered around the municipalities'
 * representative points (weighted by population, Gaussian with sigma 8 km), 20 % uniform
 * over the country's bounding box (sea, Norway and Finland included, so that points
 * outside every municipality occur). Each point carries 1..40 people. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: genpoints N SEED MUNICIPALITIES_CSV\n");
        return 2;
    }
    long n = atol(argv[1]);
    state = (uint64_t)atoll(argv[2]);
    FILE *f = fopen(argv[3], "r");
    if (!f) {
        perror(argv[3]);
        return 2;
    }
    char line[4096];
    int col_x = -1, col_y = -1, col_p = -1;
    double xs[1000], ys[1000], cum[1000], total = 0;
    int m = 0;
    if (fgets(line, sizeof line, f)) {
        int i = 0;
        for (char *t = strtok(line, ",\n"); t; t = strtok(NULL, ",\n"), i++) {
            col_x = strcmp(t, "rep_x") == 0 ? i : col_x;
            col_y = strcmp(t, "rep_y") == 0 ? i : col_y;
            col_p = strcmp(t, "population") == 0 ? i : col_p;
        }
    }
    if (col_x < 0 || col_y < 0 || col_p < 0) {
        fprintf(stderr, "%s: needs rep_x, rep_y and population columns\n", argv[3]);
        return 2;
    }
    while (m < 1000 && fgets(line, sizeof line, f)) {
        /* Names may be quoted and hold commas: split only at commas outside quotes. */
        char *fields[64];
        int k = 0, quoted = 0;
        fields[k++] = line;
        for (char *p = line; *p && k < 64; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == ',' && !quoted) {
                *p = 0;
                fields[k++] = p + 1;
            }
        }
        if (k <= col_p)
            continue;
        xs[m] = atof(fields[col_x]);
        ys[m] = atof(fields[col_y]);
        total += atof(fields[col_p]);
        cum[m++] = total;
    }
    fclose(f);
    const double minx = 266000, maxx = 921000, miny = 6132000, maxy = 7672000;
    printf("x,y,population\n");
    for (long i = 0; i < n; i++) {
        double x, y;
        if (uniform() < 0.8) {
            double r = uniform() * total;
            int lo = 0, hi = m - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (cum[mid] < r)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            double u1 = uniform(), u2 = uniform();
            double g = sqrt(-2 * log(u1 > 0 ? u1 : 1e-300));
            x = xs[lo] + 8000 * g * cos(2 * M_PI * u2);
            y = ys[lo] + 8000 * g * sin(2 * M_PI * u2);
        } else {
            x = minx + uniform() * (maxx - minx);
            y = miny + uniform() * (maxy - miny);
        }
        printf("%.1f,%.1f,%d\n", x, y, 1 + (int)(uniform() * 40));
    }
    return 0;
}
