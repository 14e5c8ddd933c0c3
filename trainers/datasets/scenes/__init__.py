"""Procedurally generated street scenes, rendered with numpy at any resolution.

Each scene is a one-point-perspective street. The scenes are built so that the decisions of the
architecture search matter on them as they do on Cityscapes, from four principles:

- **Classes that only context tells apart.** Pairs of classes share one material (colour,
  texture, noise): road and sidewalk (one asphalt; only the thin kerb line and the street's
  layout separate them), building and wall (one facade material; walls are low, without
  windows), terrain and vegetation (one green; trees stand on trunks, hedges stand up from the
  ground), person and rider (one body; a rider sits on a bicycle or motorcycle on the road),
  car, truck and bus (one paint; they differ in size and in what their rear shows: a car's
  cabin, a truck's closed box, a bus's high rear window). A pixel inside such a region is
  labelled by what lies metres away, so receptive field and multi-scale context (the DPC cell
  and its rates) decide these classes.
- **Objects at many scales.** Sizes are in metres at their ground row, so the same object
  spans one pixel far away and a quarter of the image near the camera.
- **Thin structures.** Poles (0.1-0.2 m), fence slats, bicycle frames and traffic lights are
  one pixel or less wide at a distance: output stride and the decoder decide them.
- **Large context.** The street's layout (where the kerbs run, which side is open) spans the
  whole image.

Earlier versions gave every class its own colour and texture, so a small receptive field
labelled almost every pixel and the DPC cell changed nothing; this version keeps the street
and its classes but shares materials across the pairs above and adds walls, fences, traffic
lights, riders, bicycles, motorcycles, trucks and buses.

Labels are Cityscapes' 19 train ids (`labels`); 18 of them occur (all but train).
"""

from trainers.datasets.scenes.render import SCENE_VERSION, render_scene

__all__ = ["SCENE_VERSION", "render_scene"]
