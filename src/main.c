#include <stdio.h>
int main(void)
{
    puts("narvaro: under construction");
    return 0;
}
