// Golden outputs of Pillow 12.3 `Image.resize` (BILINEAR, BICUBIC, NEAREST) + torchvision's centre crop on seeded patterns.
// Produced once with Pillow from goldenPattern(w, h); the tests check the TypeScript resampler reproduces them byte for byte.

/** The pattern both sides generate: interleaved RGB bytes with some texture. */
export function goldenPattern(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + ((x * y) % 7) * 29) % 256;
    }
  }
  return out;
}

/** Source size, Resize(resize) and CenterCrop(crop) of each golden case. */
export const GOLDEN_CASES: Record<string, { width: number; height: number; resize: number; crop: number }> = {
  down: { width: 23, height: 17, resize: 9, crop: 9 },
  far: { width: 101, height: 67, resize: 8, crop: 8 },
  up: { width: 7, height: 5, resize: 11, crop: 11 },
  portrait: { width: 13, height: 29, resize: 10, crop: 8 },
};

/** `<case>/<interpolation>` -> base64 of the crop's RGB bytes. */
export const PIL_GOLDENS: Record<string, string> = {
  'down/bilinear':
    'i6+PmGNaY3lycX6UraxBcWVydnKFgKF6rnlQiod7eYd0YYWNhnR9l45yaZGAc3iMi3OEjWZ1d1V7nn5iaHeaZX6bo0hhgHOFdW2Yam2TrV5gNEd8XmqLjoR1RVV5Q0+EeGaLelZ1O0p/V1iNflNucX6UfYOHpHldY2aMhHmBjXdtmFxma32YjZFwi3OGcYW6jIGHiIyAh32OfIOilZN3jX50jaCrcISUqG2Ys2eFdqm8cHyLjWGVpZKXcpiZjba0s35Qe3+OeJjNo7SHb3lfbISqh7O/o5hGgpt8kX1Yc4JofFuQlqped4Vlfml4gIeRlpFb',
  'down/bicubic':
    'j7+SnVxRYXVyboGas7I5dFxuc3GGe6p/vHpEkYp4co12XoWOinN6lJB5YpmCcXmLk3CCimB8eUp5q4FZZHakXX6iq0FZhm+Bbm+kY3KZwlVSIz98XmmRl41vPVJ3N0qHf2aOgldyLUV+T1WTe0pua4OZgIiErXZXYGOPfoSEknZgoFRhYYSikJRmjG6Ea4PIjYSEjYp0h3iMdoWomJZzkHtzjKizZYSasWaWvWV/cLDFa3qQj1mWspKTaJ2jjcLCwX0+dX6Pb6PirbiJb3VQZIe1hL/UsZsugqB1kH1Wc4Bie1SPlapbdoRif2NxfoOSm5NZ',
  'down/nearest':
    'lMn+3hNIKF2ScqfcvPEmBjtwUIW6ms8E5BlOZ5zRJVqPGE2C1gtAyf4zvPEmeq/kbaLXK2CVOm+kodYLCD1yb6TZ1gtAcqfc2Q5DQHWqp9wRDUJ3HVKH+C1iCD1yGE2CKF2SAzhtE0h9I1iN4BVKZJnOHVKHodYLJVqP3hNIYpfM5htQap/Us+gd4BVKDUJ3Om+kZ5zRlMn+jMH2ue4j5htQhrvwXJHG/TJn0wg9dKneSn+06yBVjMH2YpfMjsP42A1CIleMbKHWtusgADVqSn+0lMn+3hNIYZbLH1SJEkd80AU6w/gttusgdKneZ5zRJVqP',
  'far/bilinear':
    'fXF9e3V/e3iDfnSFf3OIgHaGfHqHd32LgoGEg4KDhYSDh4l9hYd7goJ9goV8f4h+e3eDe3SCfnWBe3mDe3uEfXqEe3qEenyCg3uDfn6EgIGCg4B/hYJ+hYV8hIF9hH6AfnaFgHiGgHqIgHmEgXyCgH+DgYKCgYJ/gHuDf3d+fHaAenqCfXmAgHd/fnuAf32AgHuJgn6Jgn2JhH2IgX6JgoGEg4KDhYSDhHKDgnGBfHR+enB7eHJ+eHaBenF/fHJ+',
  'far/bicubic':
    'fW99e3N/eniDfXKGfXKJf3WHe3mJdX2MgoKEhYSChYaCiIt8hYh5goJ8hIZ8f4l9e3eEfHKCf3OAe3iDe3uFfnmEfHmFe3yBg3uEfoCFgIKBg4B/hYN/hYZ6hIF8g32AfnaFgHeGgHqJf3iEgXyCfn+FgoODgYN/gHyDf3Z8fHV/enqBfHmAgHZ9f3p/fn6Af3qKgX+Jgn6JhX2IgX+KgoGEhYSChYaDhXKDgnKAe3V+e296d3J+eHaBenB/fXF9',
  'far/nearest':
    'darfEUZ74hdMTIG26B1Sh7zxI1iN9CleTYK3Bjtw9ClemM0ChrvwX5TJGE2CBjtwJVqP+zBlBjtwGU6DJFmON2yhDUJ3GE2CWI3CndIH4hdMaZ7TruMYap/Ur+QZ9CleMGWaksf89Cle6h9UTIG2QnespNkOBjtwY5jN/zRp0AU6Om+k1gtAdarfEUZ74hdMO3Cl9Cle4hdMhrvwdKneTYK3Bjtw9CleE0h96R5T9CleBzxxEkd8JVqP+zBlBjtw',
  'up/bilinear':
    'GU6DKl+UO3ClTIG2XpPIb6TZgLXqksf8o9imtOlAxaUvLWJ4QW98VG2QZG6jY4K3YZbLdKneib7znNGfsOU8w6MtX5RceZhAk2ZaoT5zcFiNPXKnV4zBcqfci8COpdoxv58pgrdImrAbumM7yiRZfjpvMU+ESXGmYJTJfrOCn9Qrt58pZptUXoRUhHN6omGWk0Z7gitgdV+UZ5PIhruKrOE4pLI8S4BfIleMToO4ep7Tp1OI0wg9oU2CbpLHjcKRue5FkMVQVouRSn+0R3yxTHilinRryHEykHpyWYSyhoyJw5RPpItjYpfEc6jdP3SpHlJ3bZVPvNomf6hhQ3ecflaCzTlat1F2ToO4WoO4VlOIWDZgeoRintNlbqOBPnOde0l+ySFWvkheMmecMUp/dSxhqxxOkmaCeq+2XJGtPXKkeEd8whlOwUw6J1yRIDNogRxRzBJHnFqPbKHWVYq/PXKnd0Z7vxZLwk0s',
  'up/bicubic':
    'DD+GHlaiLHKxP4vAXJ3RdqvgiLv/l8z/p+extvg3yasgJVx3PG2AUW2SX3GnYYW8Y5vQdK7yi8H5nt+osPMyx6gdYKJUhagtql9FrS9pakyLMHitRJDUcKbhisuTouQjxaIXg8o+pMEF1Fwn2RZSfSZqKE6EM2+zXZLOfL+HneAevKUZYqBCVn9BjnV6tGSdoDF4gRddbUmYZZPQhNKRsPwrpsQsQndaFUyOQonKe6XatE2C0wg9ojyAaZPPi9Kbxfw7mc5DV4mYRH3MLYPQOIa1lHhe2G4jnnZmU4W4gpKT05xIq5Fgb6TUg7nyMW+2Ckl0bJ05v+QehL1aOXWfdkeH3CpSxkZzU47JZZHGUUWGTCdVfIxSnONiaL6DM3GecjKA1gVRzjZbI2ieI0J3fRdOuhJGoWWEdq6/TKHANnOncjl9ygdKzkEwD1mOCCJXkAI26Ag+sFWYZZrnQJbaN3Sqcjt7xQVHzkMf',
  'up/nearest':
    'JVqPJVqPSn+0Sn+0b6TZb6TZb6TZlMn+lMn+ue4jue4jJVqPJVqPSn+0Sn+0b6TZb6TZb6TZlMn+lMn+ue4jue4jndIHndIH3xRJ3xRJIVaLIVaLIVaLY5jNY5jNpdoPpdoPndIHndIH3xRJ3xRJIVaLIVaLIVaLY5jNY5jNpdoPpdoPFUp/FUp/dKnedKne0wg90wg90wg9Z5zRZ5zRxvswxvswFUp/FUp/dKnedKne0wg90wg90wg9Z5zRZ5zRxvswxvswFUp/FUp/dKnedKne0wg90wg90wg9Z5zRZ5zRxvswxvswjcL3jcL3CT5zCT5zuu8kuu8kuu8kNmugNmug5xxR5xxRjcL3jcL3CT5zCT5zuu8kuu8kuu8kNmugNmug5xxR5xxRBTpvBTpv0wg90wg9bKHWbKHWbKHWOm+kOm+k0wg90wg9BTpvBTpv0wg90wg9bKHWbKHWbKHWOm+kOm+k0wg90wg9',
  'portrait/bilinear':
    'inuwc3OlpXdifYV/hIyGaovAmXGmknl0XpDFkV+MocFLXmyhoFGGcYW6f3uwsZpJxk+EwTdrkKnDaZ7BaYePvmCMwz90q36eWo/EcqfcjMHjp7Jsv40pbI6lbaLXhbrvgG1RXV+UdKmtvYontkZ7eodVflGBWo/EVHOQlE1pd46UkJxQcJNiUoF3hWSKgmeJhFqPfI9gX2SDsE9bTIGOT3esamJjZZiDommeaXmuRkuA0jQ8q6RWYYehfm2iOW6j',
  'portrait/bicubic':
    'k3aubnOqp3Ngg4Z5g5ODYozLm26sjXlzT5jNmFaGqdc5Umioq0WFbIvAdXe8u58220mAziRYj67TYqXRWIyQ01yL1Cphr3meT4/Rc7Hoj8j1p7lxxo4bYoqyZqriicD6hmo+VlGZa7W1xIsTujSKd5BGgEJ2UY7ORXmboT9geJOWjKFSZ5dfTYp2imGMhVqDhVGQfJlTXWOIt0xZOoaYR2+2bV5VZqeFqGOgXXy7OUeE4CYxs7RPV4mnhWurK3Cr',
  'portrait/nearest':
    'ksf8UIW65BlOQ3itNmuglcr/9Cle5xxRgrfs6R5Tt+whUIW67CFWhbrvU4i9uu8k+i9k0AU6hrvwcabbR3yx/TJn6B1Sib7zcqfcgrfsir/0ksf8otcMdarffbLnjcL3l8wBG1CFXZLHn9QJWI3Cms8E3BFGYJXKD0R5zQI3YZbLwPUqs+gdEkd8cabbZJnOh7zxtOkeMGWa4RZLDkN4ir/0BjtwM2idd6zhTYK3Azht7iNYxPkueq/kZZrPBjtw',
};
