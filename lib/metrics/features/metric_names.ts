/**
 * Names under which tables and logs show the distances on the nsfwjs
 * InceptionV3 trunk. Neither is a published metric: the Frechet distance is not
 * FID (which uses TensorFlow's 2015 FID Inception pool3 features) and the
 * perceptual distance is not LPIPS (AlexNet or VGG features with learned weights).
 * This file imports nothing, so reports can name the metrics without loading the network.
 */

/** Name of the Frechet distance on the nsfwjs InceptionV3 `mixed5` features. */
export const NSFWJS_MIXED5_METRIC = "FD-InceptionV3-mixed5 (nsfwjs)";

/** Name of the unweighted LPIPS formula on the nsfwjs InceptionV3 layers. */
export const NSFWJS_PERCEPTUAL_METRIC =
  "InceptionV3 perceptual distance (nsfwjs, unweighted LPIPS formula)";
