# expect: part-of-total-unit-violation.rq check https://w3id.org/nekg/id/claim/projects-total
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT DATA { <https://w3id.org/nekg/id/claim/projects-total> nekg:partOfTotal <https://w3id.org/nekg/id/claim/projects-total> . }
