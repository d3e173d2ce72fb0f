// Package geo is the pure geometry of groupbuy: coordinates, great-circle distance, H3 cells and
// the in-memory "pickup points near me" index. It talks to no database, cache or network.
//
// # Datum
//
// Every coordinate in this package is GCJ-02, the datum mini-programs get from
// wx.getLocation({type: "gcj02"}) and Chinese map SDKs draw in. Stored pickup points are GCJ-02
// too, so no datum conversion is done anywhere: distances and H3 cells are computed directly
// on GCJ-02 latitude/longitude as if they were spherical coordinates. GCJ-02 is WGS-84 moved
// by a smoothly varying offset (about 470-500 m across Shanghai); between two GCJ-02 points it
// distorts distances by under 0.5% (at most ~13 m over 3 km in Shanghai), harmless for ranking
// pickup points and for radius filters. What is not harmless is mixing datums: a WGS-84 fix
// (raw GPS) lands ~500 m off, so it must be converted before it reaches this package, and the
// cells computed here are cells of GCJ-02 coordinates, not comparable with WGS-84 cells.
//
// # Resolutions
//
// A pickup point is indexed at [DefaultPickupRes] (res 9: hexagons of about 0.1 km², edges of
// about 200 m) and grouped into operations grids at [DefaultGridRes] (res 7: about 5 km²). Both
// are defaults; callers pass the resolution explicitly.
//
// # Nearest search and why it is exact
//
// [Index.NearestInto] starts at the H3 cell O containing the shopper's point p and walks the
// rings of cells at grid distance 0, 1, 2, … from O. After rings 0..r have been scanned, every
// unseen point lies in a cell at grid distance at least r+1, and such a point is at least r·h
// metres from p, where h is a lower bound on the distance between any two H3 cells (of the
// index resolution) that are not neighbours. So the walk stops as soon as r·h exceeds the
// radius, or exceeds the distance of the k-th best candidate so far: nothing unseen can rank
// higher, not even on an id tie-break, because the comparison is strict. The proof:
//
//  1. Take any point q in a cell at grid distance R ≥ 2 from O, and follow the geodesic from
//     p to q. Let s_j be the first point of that path lying in a cell at grid distance ≥ j.
//     Just before s_j the path was in cells at distance ≤ j-1, so s_j lies in (the closure
//     of) some cell B_j at distance ≤ j-1, and in a cell at distance exactly j: cells that
//     touch are neighbours (H3 cells meet three to a vertex, so sharing any point means
//     sharing an edge), and grid distance changes by at most one between neighbours.
//  2. For j ≥ 1, B_j (distance ≤ j-1) and the cell of s_{j+1} (distance j+1) differ in grid
//     distance by ≥ 2, so they are not neighbours and |s_j s_{j+1}| ≥ h. The points s_1, …,
//     s_R come in order along the path, so dist(p, q) ≥ ·h.
//  3. h: H3 lays a regular hexagon lattice on the gnomonic projection of each icosahedron
//     face, centre spacing u = 0.38196601125 · 7^(-res/2) on the unit sphere (H3's
//     RES0_U_GNOMONIC), so edge length u/√3. In a regular hexagon tiling two non-neighbouring
//     cells are at least one edge length apart (the closest pair touch the two ends of the
//     edge their common neighbours share). Across face edges the lattices continue in the
//     unfolded icosahedron; around the twelve vertices (pentagons) the unfolding is a cone,
//     still flat along any shortest path. Gnomonic projection stretches lengths by a factor
//     between 1 and sec²θ, θ being the angle from the face centre, and θ ≤ 37.377° (face
//     centre to vertex) because H3 projects each point onto its nearest face. So a spherical
//     path between non-neighbours is at least cos²(37.377°)·u/√3 long.
//
// The index uses 90% of that bound as a margin: 125.7 m at res 9. TestMinSeparationHolds
// measures the real minimum around all twelve pentagons and at random places (141 m at res 9,
// against 139.7 m for the bound without margin; 166 m in Shanghai). Note the bound is one edge
// length, not the edge-to-edge width of a cell (√3 times more): a ring-2 cell comes within one
// edge of the origin cell, so "(r-1) × width" would stop too early, and the property test
// catches that.
//
// Two cheaper tests prune inside the walk, both only ever rejecting. Points carry cached unit
// vectors, and a point whose straight-line chord to p exceeds the chord of the current limit
// (radius, then k-th best distance), widened by a margin far above float rounding, is
// rejected without trigonometry; chord length grows strictly with arc length. Each cell's
// bucket keeps its centre and the longest chord from it to its points, so by the triangle
// inequality (exact for chords) a whole cell is skipped when chord(p, centre) minus that reach
// is past the limit. Candidates that survive are ranked by the exact haversine distance,
// computed exactly as [Distance] computes it, so [Index.NearestInto] and [NearestScan] agree
// bit for bit.
package geo
