"""Segmentation of spectrograms into regions, region features and template matching.

Segmenters turn a batch of spectrograms ``(n, n_bins, n_frames)`` into int32 label images of
the same shape (0 = background, 1..k = the 8-connected regions of each image). Label images
are integers, so specsk's "float32 in, float32 out" rule does not apply to them.
:class:`ROIFeatures` and :class:`TemplateMatching` turn spectrograms into feature tables.
"""

from ._cluster import ClusterSegmenter, cluster_segment
from ._graph import GraphSegmenter, graph_segment
from ._growing import RegionGrowing, region_growing
from ._refine import RegionRefiner, refine_labels
from ._regions import ROIFeatures, region_properties, regions_table
from ._template import TemplateMatching, match_template
from ._threshold import ThresholdSegmenter, threshold_segment

__all__ = [
    "ClusterSegmenter",
    "GraphSegmenter",
    "ROIFeatures",
    "RegionGrowing",
    "RegionRefiner",
    "TemplateMatching",
    "ThresholdSegmenter",
    "cluster_segment",
    "graph_segment",
    "match_template",
    "refine_labels",
    "region_growing",
    "region_properties",
    "regions_table",
    "threshold_segment",
]
