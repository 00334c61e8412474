# expect: untyped-reference-violation.rq check https://w3id.org/nekg/id/region/nowhere
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
INSERT DATA { <https://w3id.org/nekg/id/claim/projects> nekg:about <https://w3id.org/nekg/id/region/nowhere> . }
